/**
 * A size reference, not part of the product: the barest client that can be built from the parts issue 5 names
 * (openapi-fetch, genUserSig, validation, the error classes). It signs once, validates, POSTs through openapi-fetch and
 * throws TimApiError on a non-zero ErrorCode. No option checks, no UserSig renewal, no timeouts, no retries, no error
 * classification, no redaction. `npm run size` bundles it beside the real client to show what any client built on
 * these parts weighs at least.
 */
import createFetchClient from "openapi-fetch";
import { requestRules } from "../dist/generated/request-rules.js";
import { genUserSig, regionHosts, TimApiError, validateRequest } from "../dist/src/index.js";

// scripts/size.mjs bundles this next to the error classes, as it does for the real client.
export { genUserSig, validateRequest };

export function createBareClient(options) {
  const api = createFetchClient({ baseUrl: options.baseUrl ?? regionHosts[options.region ?? "cn"].primary });
  const { sdkAppId, identifier, secretKey } = options;
  let userSig;
  const call = async (operation, body) => {
    validateRequest(operation, body);
    userSig ??= genUserSig({ sdkAppId, identifier, secretKey, expireSeconds: 86_400 });
    const random = crypto.getRandomValues(new Uint32Array(1))[0];
    const query = { sdkappid: sdkAppId, identifier, usersig: await userSig, random, contenttype: "json" };
    const { data } = await api.POST(requestRules[operation].path, { params: { query }, body });
    if (data.ErrorCode !== 0) throw new TimApiError({ code: data.ErrorCode, info: data.ErrorInfo, retry: "never" }, { operation });
    return data;
  };
  return { createTopic: (body) => call("createTopic", body), getTopic: (body) => call("getTopic", body) };
}
