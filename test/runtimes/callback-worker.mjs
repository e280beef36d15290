/** @module callback-worker — callback-app.mjs as a Worker (workerd) and as an edge-runtime fetch listener. */
import * as callbacks from "tim-topics/callbacks";
import { callbackApp } from "./callback-app.mjs";

const app = callbackApp(callbacks);
export default { fetch: (request) => app(request) };
if (typeof globalThis.EdgeRuntime === "string") globalThis.addEventListener("fetch", (event) => event.respondWith(app(event.request)));
