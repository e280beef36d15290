/**
 * A size reference, not part of the product: the barest client that can be built from the parts the client is made
 * of (openapi-fetch's URL and header builders, genUserSig, validation, the error classes). It signs once, validates,
 * POSTs and throws TimApiError on a non-zero ErrorCode. No option checks, no UserSig renewal, no timeouts, no retries,
 * no error classification, no redaction, no bounded reads. `npm run size` bundles it beside the real client to show
 * what any client built on these parts weighs at least.
 */
import { createFinalURL, mergeHeaders } from "openapi-fetch";
import { operations } from "../dist/generated/operations.js";
import { genUserSig, regionHosts, TimApiError, validateRequest } from "../dist/src/index.js";

// scripts/size.mjs bundles this next to the error classes, as it does for the real client.
export { genUserSig, validateRequest };

export function createBareClient(options) {
  const baseUrl = options.baseUrl ?? regionHosts[options.region ?? "cn"].primary;
  const { sdkAppId, identifier, secretKey } = options;
  let userSig;
  const call = async (operation, body) => {
    validateRequest(operation, body);
    userSig ??= genUserSig({ sdkAppId, identifier, secretKey, expireSeconds: 86_400 });
    const random = crypto.getRandomValues(new Uint32Array(1))[0];
    const query = { sdkappid: sdkAppId, identifier, usersig: await userSig, random, contenttype: "json" };
    const url = createFinalURL(operations[operation].path, { baseUrl, params: { query }, querySerializer: (q) => new URLSearchParams(q).toString(), pathSerializer: (p) => p });
    const answer = await fetch(url, { method: "POST", headers: mergeHeaders({ "Content-Type": "application/json" }), body: JSON.stringify(body) });
    const data = await answer.json();
    if (data.ErrorCode !== 0) throw new TimApiError({ code: data.ErrorCode, info: data.ErrorInfo, retry: "never" }, { operation });
    return data;
  };
  return Object.fromEntries(Object.keys(operations).map((operation) => [operation, (body) => call(operation, body)]));
}
