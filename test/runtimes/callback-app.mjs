/**
 * @module callback-app — the app every runtime of the matrix serves to prove tim-topics/callbacks: a handler for
 * each callback of the spec (recording which ran; the before-create one vetoes a topic named "veto"), plus
 * `GET /__seen` to read the record back. Import-free, like scenario.mjs: the runner passes the module namespace.
 */
export const callbackFixture = { token: "runtime-matrix-callback-token", sdkAppId: 1400000000 };

/** A fetch handler: `(request) => Promise<Response>`. */
export function callbackApp(callbacks) {
  const seen = [];
  const on = {};
  for (const { handler } of Object.values(callbacks.callbacks)) {
    on[handler] = (body, context) => {
      seen.push({ handler, command: context.command, optPlatform: context.optPlatform });
      if (handler === "beforeCreateTopic" && body.Name === "veto") return { allow: false, code: 10150, info: "vetoed" };
      return undefined;
    };
  }
  const handle = callbacks.createCallbackHandler({ ...callbackFixture, on });
  return (request) => (new URL(request.url).pathname === "/__seen" ? Promise.resolve(Response.json(seen)) : handle(request));
}
