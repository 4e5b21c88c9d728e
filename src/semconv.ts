/**
 * Attribute keys of the stable OpenTelemetry semantic conventions, in one place.
 * Only current stable names: no `http.method`, `net.peer.name` or other deprecated keys.
 */

// HTTP
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_REQUEST_METHOD_ORIGINAL = 'http.request.method_original';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_HTTP_REQUEST_HEADER_PREFIX = 'http.request.header.';
export const ATTR_HTTP_RESPONSE_HEADER_PREFIX = 'http.response.header.';
export const ATTR_URL_FULL = 'url.full';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_URL_QUERY = 'url.query';
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_USER_AGENT_ORIGINAL = 'user_agent.original';

// Network
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_CLIENT_ADDRESS = 'client.address';
export const ATTR_NETWORK_PEER_ADDRESS = 'network.peer.address';
export const ATTR_NETWORK_PEER_PORT = 'network.peer.port';
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';

// Errors
export const ATTR_ERROR_TYPE = 'error.type';
/** The `error.type` value when nothing more specific is known. */
export const ERROR_TYPE_OTHER = '_OTHER';

// Database
export const ATTR_DB_SYSTEM_NAME = 'db.system.name';
export const ATTR_DB_NAMESPACE = 'db.namespace';
export const ATTR_DB_QUERY_TEXT = 'db.query.text';
export const ATTR_DB_QUERY_SUMMARY = 'db.query.summary';
export const ATTR_DB_OPERATION_NAME = 'db.operation.name';
export const ATTR_DB_OPERATION_BATCH_SIZE = 'db.operation.batch.size';
export const ATTR_DB_RESPONSE_STATUS_CODE = 'db.response.status_code';
