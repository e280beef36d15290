/**
 * @module tim-topics/callbacks — verified handlers for IM's topic callbacks, runtime-neutral (web `Request` →
 * `Response`, WebCrypto SHA-256). Its own entry: it does not load the client. For Node's `http` (and Express, before
 * any body parser or behind one that keeps the raw body): `toNodeListener` from `tim-topics/node`.
 */
export { createCallbackHandler } from "./handler.js";
export type { BeforeVerdict, CallbackBody, CallbackContext, CallbackEvent, CallbackHandlerOptions, CallbackHandlers } from "./handler.js";
export { callbackSign, signCallback } from "./sign.js";
export type { SignCallbackOptions } from "./sign.js";
export { callbacks } from "../../generated/callbacks.js";
export type { CallbackCommand } from "../../generated/callbacks.js";
