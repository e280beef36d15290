/**
 * @module cli/stop — Ctrl-C for bulk commands: once the run is stopped, no call sends another attempt. Each call has
 * its own AbortController; a stop aborts every call that is not sending right now — waiting for a rate-limit slot
 * (nothing leaves), between attempts or in a retry backoff (the SDK's TimAbortError then says whether an earlier
 * attempt may have been applied). An attempt already on the wire is left to finish: its answer is what tells the
 * journal whether a line without TopicId was imported, where aborting it would leave that uncertain for good. If it
 * fails and the SDK would retry, the call is aborted at that point (the client's `onRetry`), before any backoff.
 *
 * The client reports retries per client, not per call: a retry is matched to its call by the call's `random` (a
 * query parameter of every attempt's URL, the same for all attempts of one call), which the call's own `onRequest`
 * saw when its attempt left.
 */
import type { RequestEvent, RetryEvent } from "../../index.js";

export interface GatedCall {
  readonly signal: AbortSignal;
  /** The call's per-call `onRequest`: an attempt is leaving. */
  readonly onRequest: (event: RequestEvent) => void;
  /** Attempts that left (an attempt whose signal was already aborted does not: fetch refuses it unsent). */
  readonly sent: number;
  /** Call when the call settled. */
  end(): void;
}

const RANDOM = /[?&]random=(\d+)/;

export class CallGate {
  private readonly calls = new Set<Call>();
  private readonly byRandom = new Map<string, Set<Call>>();

  constructor(private readonly stop: AbortSignal) {
    stop.addEventListener("abort", () => {
      for (const call of this.calls) if (!call.sending) call.controller.abort(stop.reason);
    });
  }

  /** For the client's `onRetry`: the attempt that was sending has ended, and another would follow. */
  readonly onRetry = (event: RetryEvent): void => {
    const random = RANDOM.exec(event.url)?.[1];
    const matching = random === undefined ? undefined : this.byRandom.get(random);
    if (!matching) return; // a request of no gated call (the SDK's own read-back)
    for (const call of matching) {
      if (!call.sending || call.attempt !== event.attempt || call.operation !== event.operation) continue;
      call.sending = false;
      if (this.stop.aborted) call.controller.abort(this.stop.reason);
    }
  };

  /** A call to make: pass its `signal` and `onRequest`; `onSent` is told of each attempt that leaves. */
  begin(onSent?: (attempt: number) => void): GatedCall {
    const call = new Call();
    this.calls.add(call);
    if (this.stop.aborted) call.controller.abort(this.stop.reason);
    const gate = this;
    return {
      signal: call.controller.signal,
      get sent() {
        return call.sent;
      },
      onRequest(event) {
        // Aborted already (a stop): the SDK hands fetch an aborted signal, and fetch refuses before sending anything.
        if (call.controller.signal.aborted) return;
        call.sending = true;
        call.sent++;
        call.attempt = event.attempt;
        call.operation = event.operation;
        const random = RANDOM.exec(event.url)?.[1];
        if (random === undefined) {
          // No way to see this attempt end: after a stop it is aborted even in flight (its outcome is then uncertain,
          // which the journal handles), rather than retried.
          call.sending = false;
        } else if (random !== call.random) {
          if (call.random !== undefined) gate.byRandom.get(call.random)?.delete(call);
          call.random = random;
          let set = gate.byRandom.get(random);
          if (!set) gate.byRandom.set(random, (set = new Set()));
          set.add(call);
        }
        onSent?.(event.attempt);
      },
      end() {
        gate.calls.delete(call);
        if (call.random !== undefined) {
          const set = gate.byRandom.get(call.random);
          set?.delete(call);
          if (set?.size === 0) gate.byRandom.delete(call.random);
        }
      },
    };
  }
}

class Call {
  readonly controller = new AbortController();
  sending = false;
  sent = 0;
  attempt = 0;
  operation: string | undefined;
  random: string | undefined;
}
