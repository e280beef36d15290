/**
 * `npm run demo` — create a topic and read it back through the SDK.
 *
 * With no configuration it starts a Prism mock of openapi/openapi.yaml (no Tencent account needed) and stops it after.
 * With TIM_SDKAPPID, TIM_SECRET_KEY and TIM_IDENTIFIER (an App admin) set, it calls the real service in TIM_REGION
 * (default "cn") on the Community group TIM_GROUP_ID (a topic-enabled `@TGS#_…` group).
 */
import { createClient, regions, TimError, type Region } from "../src/index.js";
import { startPrism } from "../scripts/prism.mjs";

const env = process.env;
const live = Boolean(env.TIM_SDKAPPID && env.TIM_SECRET_KEY && env.TIM_IDENTIFIER);
const EXAMPLE_GROUP = "@TGS#_@TGS#cQVLVHIM62CJ"; // the group of the docs' examples

async function main() {
  const prism = live ? undefined : await startPrism();
  try {
    const region = (env.TIM_REGION ?? "cn") as Region;
    if (live && !regions.includes(region)) throw new Error(`TIM_REGION must be one of ${regions.join(", ")}`);
    const groupId = env.TIM_GROUP_ID ?? EXAMPLE_GROUP;
    if (live && !env.TIM_GROUP_ID) throw new Error("TIM_GROUP_ID (a topic-enabled Community group, @TGS#_…) is needed against the real service");
    console.log(live ? `Calling Tencent IM (${region}) as ${env.TIM_IDENTIFIER}` : `Calling a Prism mock of the spec at ${prism!.url} (no account needed)`);

    const im = createClient({
      sdkAppId: live ? Number(env.TIM_SDKAPPID) : 1400000000,
      identifier: live ? env.TIM_IDENTIFIER! : "administrator",
      secretKey: live ? env.TIM_SECRET_KEY! : "demo-secret-key-for-the-mock",
      ...(live ? { region } : { baseUrl: prism!.url }),
      onRetry: (e) => console.log(`  retrying ${e.operation} after attempt ${e.attempt} in ${e.delayMs} ms: ${e.error.message}`),
    });

    const created = await im.createTopic({ GroupId: groupId, TopicName: "Demo topic 演示话题", Introduction: "Created by npm run demo" });
    console.log(`1. createTopic → TopicId ${created.TopicId}  (${created.meta.attempts} attempt, ${created.meta.durationMs} ms)`);

    const got = await im.getTopic({ GroupId: groupId, From_Account: live ? env.TIM_IDENTIFIER! : "administrator", TopicIdList: [created.TopicId] });
    console.log(`2. getTopic → ${got.topics.length} topic(s)  (${got.meta.attempts} attempt, ${got.meta.durationMs} ms)`);
    for (const topic of got.topics) {
      if (topic.ok) console.log(`   ✓ ${topic.TopicId}: "${topic.TopicInfo.TopicName}", created ${topic.TopicInfo.CreateTime ?? "?"}`);
      else console.log(`   ✗ ${topic.TopicId ?? "(unknown topic)"}: ${topic.error.code} ${topic.error.meaning?.en ?? topic.error.info}`);
    }

    // Bad input never reaches the network: the SDK names the field and the limit.
    await im.createTopic({ GroupId: groupId, TopicName: "这个话题的名字超过了三十个字节" }).catch((error: unknown) => {
      if (!(error instanceof TimError)) throw error;
      console.log(`3. refused before sending → ${error.name}: ${error.message}`);
    });
    if (!live) console.log(`Mock is not the real thing: the mock answers with the spec's examples. Set TIM_* to call IM.`);
  } finally {
    await prism?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof TimError ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
