/**
 * @module callbacks/body — what the callback handler needs only once a request has passed its checks: the bounded
 * body reader and the spec's validator. Loaded on first use, so the entry's first load stays small.
 */
export { AnswerTooLarge, readAnswer } from "../transport/read-answer.js";
export { checkBody } from "../validate.js";
