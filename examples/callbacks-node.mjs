/**
 * IM's topic callbacks in a Node server (plain `node:http`): verified, typed, answered in IM's envelope. Refuses
 * topics whose name mentions "spam". In Express, mount `toNodeListener(handler)` before any body parser (or behind
 * one that keeps the raw body, e.g. `express.raw({ type: () => true })`).
 *
 *   TIM_SDKAPPID=… TIM_CALLBACK_TOKEN=… node examples/callbacks-node.mjs      (PORT, default 8080)
 *
 * Point the console's callback URL (回调配置) at it, with authentication (回调鉴权) on and the same token.
 */
import { createServer } from "node:http";
import { createCallbackHandler } from "tim-topics/callbacks";
import { toNodeListener } from "tim-topics/node";

const sdkAppId = Number(process.env.TIM_SDKAPPID);
const token = process.env.TIM_CALLBACK_TOKEN;
// No fallbacks: a token anyone can read would let anyone approve topics.
if (!Number.isSafeInteger(sdkAppId) || sdkAppId < 1 || !token) throw new Error("Set TIM_SDKAPPID (your SDKAppID) and TIM_CALLBACK_TOKEN (the console's 回调鉴权 token)");

const handler = createCallbackHandler({
  sdkAppId,
  token,
  on: {
    beforeCreateTopic: (body) => (body.Name.toLowerCase().includes("spam") ? { allow: false } : { allow: true }),
    afterCreateTopic: (body, context) => console.log(`topic ${body.TopicId} created by ${body.Operator_Account} (${context.optPlatform})`),
    afterTopicDestroyed: (body) => console.log(`destroyed: ${body.TopicIdList.join(", ")}`),
    afterTopicInfoChanged: (body) => console.log(`changed in ${body.GroupId}: ${JSON.stringify(body)}`),
  },
  onEvent: (event) => console.warn(`callback ${event.kind} (${event.reason}): ${event.message}`),
});

const server = createServer(toNodeListener(handler));
server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
