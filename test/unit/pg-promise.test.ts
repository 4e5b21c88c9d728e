import assert from 'node:assert/strict';
import { callTrackingPromise } from '../../instrumentations/pg/promise';

type Settled = [unknown, unknown, boolean];

/** An owner shaped like a pg client: it builds its promises with `this._Promise`. */
class Owner {
  _Promise: PromiseConstructor = Promise;
  made: Promise<unknown> | undefined;

  run(outcome: 'resolve' | 'reject', value: unknown): Promise<unknown> {
    this.made = new this._Promise((resolve, reject) => setImmediate(() => (outcome === 'resolve' ? resolve(value) : reject(value))));
    return this.made;
  }
}

describe('pg/promise: callTrackingPromise', () => {
  it('returns the very promise the call built, and reports its value before awaiting code runs', async () => {
    const owner = new Owner();
    const events: string[] = [];
    const settled: Settled[] = [];
    const result = callTrackingPromise(owner, '_Promise', () => owner.run('resolve', 42), (...args) => {
      settled.push(args);
      events.push('settle');
    }) as Promise<unknown>;
    assert.equal(result, owner.made);
    assert.equal(Object.getPrototypeOf(result), Promise.prototype);
    assert.equal(owner._Promise, Promise, 'the constructor is put back at once');
    assert.equal(await result.then((v) => (events.push('app'), v)), 42);
    assert.deepEqual(settled, [[undefined, 42, false]]);
    assert.deepEqual(events, ['settle', 'app']);
  });

  it('reports a rejection with the same error object, which the app receives unchanged', async () => {
    const owner = new Owner();
    const error = new Error('boom');
    const settled: Settled[] = [];
    const result = callTrackingPromise(owner, '_Promise', () => owner.run('reject', error), (...args) => settled.push(args)) as Promise<unknown>;
    assert.equal(result, owner.made);
    await assert.rejects(result, (e) => e === error);
    assert.deepEqual(settled, [[error, undefined, true]]);
  });

  it('tracks a promise built with a static such as Promise.reject (pg-pool when ending)', async () => {
    const owner = { Promise: Promise as PromiseConstructor };
    const error = new Error('ending');
    const settled: Settled[] = [];
    const result = callTrackingPromise(owner, 'Promise', () => owner.Promise.reject(error), (...args) => settled.push(args)) as Promise<unknown>;
    assert.ok(result instanceof Promise);
    await assert.rejects(result, (e) => e === error);
    assert.deepEqual(settled, [[error, undefined, true]]);
  });

  it('tracks only the first promise of the call', async () => {
    const owner = new Owner();
    const settled: Settled[] = [];
    const result = callTrackingPromise(owner, '_Promise', () => {
      const first = owner.run('resolve', 1);
      void new owner._Promise((resolve) => resolve(2));
      return first;
    }, (...args) => settled.push(args)) as Promise<unknown>;
    await result;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(settled, [[undefined, 1, false]]);
  });

  it('keeps nested calls apart: each settles its own promise', async () => {
    const outer = new Owner();
    const inner = new Owner();
    const settled: string[] = [];
    const result = callTrackingPromise(outer, '_Promise', () => {
      void callTrackingPromise(inner, '_Promise', () => inner.run('resolve', 'inner'), (_e, v) => settled.push(`inner:${String(v)}`));
      return outer.run('resolve', 'outer');
    }, (_e, v) => settled.push(`outer:${String(v)}`)) as Promise<unknown>;
    assert.equal(result, outer.made);
    await result;
    await inner.made;
    assert.deepEqual(settled.sort(), ['inner:inner', 'outer:outer']);
  });

  it('builds plain promises outside a call, even through a constructor captured during one', async () => {
    const owner = new Owner();
    let captured: PromiseConstructor | undefined;
    await callTrackingPromise(owner, '_Promise', () => ((captured = owner._Promise), owner.run('resolve', 1)), () => undefined);
    assert.notEqual(captured, Promise);
    const later = new captured!((resolve) => resolve(2));
    assert.equal(Object.getPrototypeOf(later), Promise.prototype);
    assert.equal(await later, 2);
  });

  it('puts the constructor back when the call throws, and lets the error through', () => {
    const owner = new Owner();
    const error = new TypeError('bad query');
    assert.throws(() => callTrackingPromise(owner, '_Promise', () => { throw error; }, () => assert.fail('no settle')), (e) => e === error);
    assert.equal(owner._Promise, Promise);
  });

  it('falls back to chaining when there is no constructor to swap', async () => {
    for (const owner of [{}, Object.freeze({ _Promise: Promise })]) {
      const settled: Settled[] = [];
      const error = new Error('late');
      const original = Promise.reject(error);
      const result = callTrackingPromise(owner, '_Promise', () => original, (...args) => settled.push(args)) as Promise<unknown>;
      assert.notEqual(result, original);
      await assert.rejects(result, (e) => e === error);
      assert.deepEqual(settled, [[error, undefined, true]]);
    }
  });

  it('returns a non-promise result as it is', () => {
    const owner = new Owner();
    assert.equal(callTrackingPromise(owner, '_Promise', () => undefined, () => assert.fail('no settle')), undefined);
  });
});
