/**
 * IM's topic callbacks in a Node server (plain `node:http`; the same listener mounts in Express or Fastify):
 * verified, typed, answered in IM's envelope. Refuses topics whose name mentions "spam".
 *
 *   TIM_SDKAPPID=… TIM_CALLBACK_TOKEN=… node examples/callbacks-node.mjs      (PORT, default 8080)
 *
 * Point the console's callback URL (回调配置) at it, with authentication (回调鉴权) on and the same token.
 */
import { createServer } from "node:http";
import { createCallbackHandler } from "tim-topics/callbacks";
import { toNodeListener } from "tim-topics/node";

const handler = createCallbackHandler({
  sdkAppId: Number(process.env.TIM_SDKAPPID ?? 1400000000),
  token: process.env.TIM_CALLBACK_TOKEN ?? "example-token",
  on: {
    beforeCreateTopic: (body) => (body.Name.toLowerCase().includes("spam") ? { allow: false } : { allow: true }),
    afterCreateTopic: (body, context) => console.log(`topic ${body.TopicId} created by ${body.Operator_Account} (${context.optPlatform})`),
    afterTopicDestroyed: (body) => console.log(`destroyed: ${body.TopicIdList.join(", ")}`),
    afterTopicInfoChanged: (body) => console.log(`changed in ${body.GroupId}: ${JSON.stringify(body)}`),
  },
  onEvent: (event) => console.warn(`callback ${event.kind}: ${event.message}`),
});

const server = createServer(toNodeListener(handler));
server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
