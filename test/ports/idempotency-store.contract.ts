import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError, type IdempotencyRecord, type IdempotencyStart, type IdempotencyStore } from '../../src/index.js';

// Far in the future on purpose: a store whose TTL really deletes expired items (DynamoDB, and
// DynamoDB Local if it ever does) keeps every record of these tests, so "expired" is always an
// item that is still there and that the store's own conditions must treat as absent.
const T0 = new Date('2100-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const HOUR = 3600;
const DAY = 24 * HOUR;
const CALLER = 'arn:aws:iam::123456789012:user/alice';

type HeldRecord = IdempotencyRecord & { readonly status: 'IN_PROGRESS' };

/** A key no other test (or test process sharing the table) uses, scoped as the app scopes them. */
const aKey = (operation = 'redeploy', caller = CALLER): string => `${operation}#${caller}#${randomUUID()}`;

/** A request holding `key` from T0: its hold lapses after 15 minutes, its record after a day. */
const aHold = (key: string, overrides: Partial<HeldRecord> = {}): HeldRecord => ({
  key,
  requestHash: 'hash-1',
  status: 'IN_PROGRESS',
  plan: '2HFj3kLmNoPqRsTuVwXyAbCdEfG',
  expiresAt: at(DAY),
  inProgressUntil: at(15 * 60),
  ...overrides,
});

/** The same request again, `seconds` after T0, with a hold and an expiration of its own from then. */
const aRetryOf = (hold: HeldRecord, seconds: number, overrides: Partial<HeldRecord> = {}): HeldRecord =>
  aHold(hold.key, { requestHash: hold.requestHash, plan: hold.plan, expiresAt: at(seconds + DAY), inProgressUntil: at(seconds + 15 * 60), ...overrides });

/**
 * The behaviour every {@link IdempotencyStore} must have. Run against each
 * implementation, so the in-memory one can never drift from DynamoDB.
 */
export function describeIdempotencyStoreContract(name: string, makeStore: () => IdempotencyStore): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    describe('begin', () => {
      it('takes a free key, and returns the record as kept', async () => {
        const store = makeStore();
        const hold = aHold(aKey());

        expect(await store.begin(hold, T0)).toEqual({ outcome: 'begun', record: hold });
      });

      it('keeps instants in whole seconds, rounded up: a record or a hold never lapses before the instant given', async () => {
        const store = makeStore();
        const hold = aHold(aKey(), { expiresAt: new Date(at(DAY).getTime() + 1), inProgressUntil: new Date(at(60).getTime() + 999) });

        const start = await store.begin(hold, T0);

        expect(start).toEqual({ outcome: 'begun', record: { ...hold, expiresAt: at(DAY + 1), inProgressUntil: at(61) } });
        // Still held at 60.999 s, since the hold was asked until then; lapsed at 61 s.
        expect((await store.begin(aRetryOf(hold, 60), new Date(at(61).getTime() - 1))).outcome).toBe('exists');
        expect((await store.begin(aRetryOf(hold, 61), at(61))).outcome).toBe('taken-over');
      });

      it('takes a key with no plan and no hold expiry, and keeps neither', async () => {
        const store = makeStore();
        const { plan: _plan, inProgressUntil: _until, ...bare } = aHold(aKey());

        const start = await store.begin(bare, T0);

        expect(start).toEqual({ outcome: 'begun', record: bare });
        expect(start.record).not.toHaveProperty('plan');
        expect(start.record).not.toHaveProperty('inProgressUntil');
      });

      it('answers a second request with the same key while the first holds it with the record found, and writes nothing', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);

        const again = await store.begin({ ...hold, plan: 'another-plan', expiresAt: at(2 * DAY), inProgressUntil: at(3600) }, at(5));

        expect(again).toEqual({ outcome: 'exists', record: hold });
        expect(await store.begin(hold, at(6))).toEqual({ outcome: 'exists', record: hold });
      });

      it('answers a request with the same key and another hash with the record found: the caller decides (it is refused)', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);

        expect(await store.begin(aHold(hold.key, { requestHash: 'hash-2', plan: 'another-plan' }), at(5))).toEqual({ outcome: 'exists', record: hold });
      });

      it('answers a request after the first completed with the COMPLETED record: its result, its plan, no hold', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);
        expect(await store.complete(hold.key, hold.requestHash, '{"ok":true}', at(2 * DAY))).toBe(true);

        const completed: IdempotencyRecord = {
          key: hold.key,
          requestHash: hold.requestHash,
          status: 'COMPLETED',
          plan: hold.plan,
          result: '{"ok":true}',
          expiresAt: at(2 * DAY),
        };
        expect(await store.begin(hold, at(60))).toEqual({ outcome: 'exists', record: completed });
        // Long after the hold would have lapsed, a COMPLETED record is still no hold to take over.
        expect(await store.begin(aRetryOf(hold, DAY + 1), at(DAY + 1))).toEqual({ outcome: 'exists', record: completed });
        expect(await store.begin(aHold(hold.key, { requestHash: 'hash-2' }), at(60))).toEqual({ outcome: 'exists', record: completed });
      });

      it('takes over a lapsed hold of the same request: the new hold and expiration, the plan found', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);
        const retry = aHold(hold.key, { plan: 'the-retry-plan', expiresAt: at(HOUR + DAY), inProgressUntil: at(HOUR + 15 * 60) });

        const start = await store.begin(retry, at(HOUR));

        const taken = { ...retry, plan: hold.plan };
        expect(start).toEqual({ outcome: 'taken-over', record: taken });
        // The key is held again: by the request that took it over, until its own hold lapses.
        expect(await store.begin(retry, at(HOUR + 60))).toEqual({ outcome: 'exists', record: taken });
      });

      it('takes over a hold the moment it lapses (inProgressUntil <= now)', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);

        expect((await store.begin(aHold(hold.key, { inProgressUntil: at(30 * 60) }), at(15 * 60))).outcome).toBe('taken-over');
      });

      it("takes over a lapsed hold that recorded no plan with the request's own plan", async () => {
        const store = makeStore();
        const { plan: _plan, ...planless } = aHold(aKey());
        await store.begin(planless, T0);
        const retry = aHold(planless.key, { plan: 'the-retry-plan', inProgressUntil: at(HOUR) });

        expect(await store.begin(retry, at(30 * 60))).toEqual({ outcome: 'taken-over', record: retry });
      });

      it('takes over a lapsed hold again when the request that took it over lapses in turn', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);
        await store.begin(aHold(hold.key, { plan: 'second', inProgressUntil: at(HOUR) }), at(30 * 60));

        const third = await store.begin(aHold(hold.key, { plan: 'third', inProgressUntil: at(2 * HOUR) }), at(HOUR));

        expect(third).toEqual({ outcome: 'taken-over', record: aHold(hold.key, { inProgressUntil: at(2 * HOUR) }) });
      });

      it('never takes over a lapsed hold of another request: exists, with the record found', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);

        expect(await store.begin(aHold(hold.key, { requestHash: 'hash-2', inProgressUntil: at(2 * HOUR) }), at(HOUR))).toEqual({
          outcome: 'exists',
          record: hold,
        });
      });

      it('never takes over a hold without inProgressUntil: it is held until it expires', async () => {
        const store = makeStore();
        const { inProgressUntil: _until, ...unlimited } = aHold(aKey());
        await store.begin(unlimited, T0);

        expect(await store.begin(aHold(unlimited.key, { expiresAt: at(2 * DAY), inProgressUntil: at(DAY) }), at(DAY - 1))).toEqual({
          outcome: 'exists',
          record: unlimited,
        });
      });

      it.each([
        ['an IN_PROGRESS record', false],
        ['a COMPLETED record', true],
      ])('takes the key afresh once %s has expired (expiresAt <= now, still stored): new hash, new plan, nothing kept', async (_, complete) => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);
        if (complete) await store.complete(hold.key, hold.requestHash, 'old result', at(DAY));
        const fresh = aHold(hold.key, { requestHash: 'hash-2', plan: 'fresh-plan', expiresAt: at(2 * DAY), inProgressUntil: at(DAY + 60) });

        expect(await store.begin(fresh, at(DAY))).toEqual({ outcome: 'begun', record: fresh });
        expect(await store.begin(fresh, at(DAY + 1))).toEqual({ outcome: 'exists', record: fresh });
      });

      it('takes a key afresh when a lapsed hold of the same request has expired too: begun, with its own plan', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);
        const fresh = aHold(hold.key, { plan: 'fresh-plan', expiresAt: at(3 * DAY), inProgressUntil: at(2 * DAY) });

        expect(await store.begin(fresh, at(DAY + 1))).toEqual({ outcome: 'begun', record: fresh });
      });

      it('lets exactly one of 20 concurrent requests with one key take it; the others find its record', async () => {
        const store = makeStore();
        const key = aKey();
        const holds = Array.from({ length: 20 }, (_, index) => aHold(key, { requestHash: `hash-${index % 2}`, plan: `plan-${index}` }));

        const starts = await Promise.all(holds.map((hold) => store.begin(hold, T0)));

        const begun = starts.filter((start) => start.outcome === 'begun');
        expect(begun).toHaveLength(1);
        const winner = begun[0]!.record;
        expect(starts.filter((start) => start.outcome === 'exists')).toEqual(Array.from({ length: 19 }, () => ({ outcome: 'exists', record: winner })));
      });

      it('lets exactly one of 20 concurrent retries take a lapsed hold over; the others find its new hold', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);
        const retries = Array.from({ length: 20 }, (_, index) => aHold(hold.key, { plan: `retry-${index}`, inProgressUntil: at(HOUR + index + 1) }));

        const starts: IdempotencyStart[] = await Promise.all(retries.map((retry) => store.begin(retry, at(HOUR))));

        const taken = starts.filter((start) => start.outcome === 'taken-over');
        expect(taken).toHaveLength(1);
        expect(taken[0]!.record.plan).toBe(hold.plan);
        expect(starts.filter((start) => start.outcome === 'exists')).toEqual(Array.from({ length: 19 }, () => ({ outcome: 'exists', record: taken[0]!.record })));
      });

      it('refuses a record that would lapse as it is written, or has a result, with a ValidationError naming the field', async () => {
        const store = makeStore();
        const key = aKey();
        const refusal = (record: HeldRecord) => store.begin(record, T0).catch((error: unknown) => error);

        expect(await refusal(aHold(key, { expiresAt: T0 }))).toMatchObject({ field: 'record.expiresAt' });
        expect(await refusal(aHold(key, { inProgressUntil: at(-1) }))).toMatchObject({ field: 'record.inProgressUntil' });
        expect(await refusal(aHold(key, { result: 'done' }))).toMatchObject({ field: 'record.result' });
        expect(await refusal(aHold(''))).toBeInstanceOf(ValidationError);
        expect(await refusal(aHold(key, { requestHash: '' }))).toMatchObject({ field: 'record.requestHash' });
        // Nothing was written: the key is still free.
        expect((await store.begin(aHold(key), T0)).outcome).toBe('begun');
      });
    });

    describe('complete', () => {
      it('records the result of the request that holds the key, once', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);

        expect(await store.complete(hold.key, hold.requestHash, 'result', at(2 * DAY))).toBe(true);
        // A repeat finds it COMPLETED: refused, and the first result stays.
        expect(await store.complete(hold.key, hold.requestHash, 'another result', at(3 * DAY))).toBe(false);
        expect((await store.begin(hold, at(60))).record).toMatchObject({ status: 'COMPLETED', result: 'result', expiresAt: at(2 * DAY) });
      });

      it('keeps expiresAt in whole seconds, rounded up', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);

        await store.complete(hold.key, hold.requestHash, 'result', new Date(at(2 * DAY).getTime() + 1));

        expect((await store.begin(hold, at(60))).record.expiresAt).toEqual(at(2 * DAY + 1));
      });

      it('refuses another request (another hash), and a key nobody holds, writing nothing', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);

        expect(await store.complete(hold.key, 'hash-2', 'result', at(2 * DAY))).toBe(false);
        expect(await store.complete(aKey(), hold.requestHash, 'result', at(2 * DAY))).toBe(false);
        expect(await store.begin(hold, at(60))).toEqual({ outcome: 'exists', record: hold });
      });

      it('is refused once the request released the key', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);
        await store.release(hold.key, hold.requestHash);

        expect(await store.complete(hold.key, hold.requestHash, 'result', at(2 * DAY))).toBe(false);
        expect((await store.begin(hold, at(60))).outcome).toBe('begun');
      });

      it('succeeds for a request whose hold was taken over, since both carry the same hash: the store cannot tell them apart', async () => {
        // Documented by the port: a hold must outlast the request (e.g. the Lambda timeout), so the
        // request it was taken from is gone; were it not, both do the same plan, and the first to
        // complete records the result.
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);
        expect((await store.begin(aHold(hold.key, { inProgressUntil: at(HOUR) }), at(30 * 60))).outcome).toBe('taken-over');

        expect(await store.complete(hold.key, hold.requestHash, 'the first request ended', at(2 * DAY))).toBe(true);
        expect(await store.complete(hold.key, hold.requestHash, 'the second request ended', at(2 * DAY))).toBe(false);
        expect((await store.begin(aRetryOf(hold, HOUR), at(HOUR))).record).toMatchObject({
          status: 'COMPLETED',
          result: 'the first request ended',
          plan: hold.plan,
        });
      });
    });

    describe('release', () => {
      it('gives the key up: the next request begins afresh, with its own plan', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);

        await store.release(hold.key, hold.requestHash);

        const retry = aHold(hold.key, { plan: 'the-retry-plan' });
        expect(await store.begin(retry, at(5))).toEqual({ outcome: 'begun', record: retry });
      });

      it('leaves a COMPLETED record as it is: its result keeps answering retries', async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);
        await store.complete(hold.key, hold.requestHash, 'result', at(2 * DAY));

        await store.release(hold.key, hold.requestHash);

        expect((await store.begin(hold, at(60))).record).toMatchObject({ status: 'COMPLETED', result: 'result' });
      });

      it("leaves another request's hold as it is, and does nothing for a key nobody holds", async () => {
        const store = makeStore();
        const hold = aHold(aKey());
        await store.begin(hold, T0);

        await store.release(hold.key, 'hash-2');
        await expect(store.release(aKey(), hold.requestHash)).resolves.toBeUndefined();

        expect(await store.begin(hold, at(60))).toEqual({ outcome: 'exists', record: hold });
      });
    });

    describe('keys', () => {
      const LONG_CALLER = `arn:aws:sts::123456789012:assumed-role/${'r'.repeat(64)}/${'s'.repeat(1_930)}`;
      it.each([
        ['unicode', aKey('redeploy', 'arn:aws:iam::123456789012:user/zoë-日本語-🚀')],
        ["'#' and spaces", `redeploy#${CALLER}#a # key # with # hashes`],
        ['a 2 KB caller ARN', aKey('redeploy', LONG_CALLER)],
        ['the form of a digest', `sha256:${'0'.repeat(64)}-${randomUUID()}`],
      ])('keeps a key with %s as given, through every method', async (_, key) => {
        const store = makeStore();
        const hold = aHold(key);

        expect(await store.begin(hold, T0)).toEqual({ outcome: 'begun', record: hold });
        expect(await store.begin(hold, at(5))).toEqual({ outcome: 'exists', record: hold });
        expect(await store.complete(key, hold.requestHash, 'result', at(2 * DAY))).toBe(true);
        expect((await store.begin(hold, at(10))).record).toMatchObject({ key, status: 'COMPLETED', result: 'result' });
      });

      it('keeps keys apart that differ only past 2 KB, or by letter case', async () => {
        const store = makeStore();
        const long = aKey('redeploy', LONG_CALLER);
        const keys = [`${long}-a`, `${long}-b`, `${long}-A`];

        const starts = await Promise.all(keys.map((key, index) => store.begin(aHold(key, { requestHash: `hash-${index}` }), T0)));

        expect(starts.map((start) => [start.outcome, start.record.key, start.record.requestHash])).toEqual([
          ['begun', keys[0], 'hash-0'],
          ['begun', keys[1], 'hash-1'],
          ['begun', keys[2], 'hash-2'],
        ]);
        await store.release(keys[1]!, 'hash-1');
        expect((await store.begin(aHold(keys[0]!), at(5))).outcome).toBe('exists');
        expect((await store.begin(aHold(keys[1]!), at(5))).outcome).toBe('begun');
      });

      it('keeps keys apart that differ only by a lone surrogate (UTF-8 would turn both into U+FFFD)', async () => {
        const store = makeStore();
        const key = aKey();
        const [high, low] = [`${key}\uD800`, `${key}\uDC00`];

        expect((await store.begin(aHold(high), T0)).record.key).toBe(high);
        expect(await store.begin(aHold(low, { requestHash: 'hash-2' }), T0)).toEqual({ outcome: 'begun', record: aHold(low, { requestHash: 'hash-2' }) });
      });
    });
  });
}
