/**
 * @module tim-topics/testing — test your app without Tencent: a stateful local IM emulator (`createEmulator`), and
 * the packaged contract (`tim-topics/openapi.yaml`) for a Prism mock. Runtime-neutral, and apart from the client's
 * entry, so it weighs nothing on an app that does not import it.
 */
export { createEmulator } from "./emulator.js";
export type { CallbackCommand, Emulator, EmulatorCall, EmulatorCallback, EmulatorGroup, EmulatorOptions, EmulatorState, Fault, TopicRecord } from "./emulator.js";
