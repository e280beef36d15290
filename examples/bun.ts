/**
 * tim-topics on Bun: create a topic, then list the group's topics.
 *
 *   npx prism mock openapi/openapi.yaml          # a local mock of the IM API on http://127.0.0.1:4010
 *   bun examples/bun.ts                           # `bun add tim-topics` in your own project
 *
 * Against the real IM API set TIM_BASE_URL, TIM_SDKAPPID, TIM_IDENTIFIER, TIM_SECRET_KEY, TIM_GROUP_ID.
 */
import { createClient, TimApiError } from "tim-topics";

// Bun's own global, declared here so this file also type-checks in the repo's Node-flavoured tsconfig.
declare const Bun: { env: Record<string, string | undefined>; version: string };
const env = Bun.env;

const im = createClient({
  sdkAppId: Number(env.TIM_SDKAPPID ?? 1400000000),
  identifier: env.TIM_IDENTIFIER ?? "administrator",
  secretKey: env.TIM_SECRET_KEY ?? "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  baseUrl: env.TIM_BASE_URL ?? "http://127.0.0.1:4010",
});
const GroupId = env.TIM_GROUP_ID ?? "@TGS#_@TGS#cQVLVHIM62CJ";

try {
  const created = await im.createTopic({ GroupId, TopicName: "TestTopic" });
  console.log(`created ${created.TopicId} on Bun ${Bun.version} (${created.meta.attempts} attempt(s), ${created.meta.durationMs} ms)`);

  const { topics } = await im.getTopic({ GroupId, From_Account: env.TIM_FROM_ACCOUNT ?? "1400187352" });
  for (const topic of topics) {
    console.log(topic.ok ? `topic ${topic.TopicId}: ${topic.TopicInfo.TopicName}` : `topic error ${topic.error.code}: ${topic.error.info}`);
  }
} catch (error) {
  if (error instanceof TimApiError) console.error(`IM refused: ${error.code} ${error.info}`);
  throw error;
}
