/**
 * `npm run demo` — the whole life of a topic through the SDK: create, rename and mute, read, delete, import.
 *
 * With no configuration it runs against the local IM emulator (tim-topics/testing) in this process: stateful, with
 * IM's codes and UserSig checks, no Tencent account needed. With TIM_SDKAPPID, TIM_SECRET_KEY and TIM_IDENTIFIER (an
 * App admin) set, it calls the real service in TIM_REGION (default "cn") on the Community group TIM_GROUP_ID (a
 * topic-enabled `@TGS#_…` group), and deletes what it made.
 */
import { createClient, regions, TimError, type Region } from "../src/index.js";
import { createEmulator } from "../src/testing/index.js";

const env = process.env;
const live = Boolean(env.TIM_SDKAPPID && env.TIM_SECRET_KEY && env.TIM_IDENTIFIER);
const EXAMPLE_GROUP = "@TGS#_@TGS#cQVLVHIM62CJ"; // the group of the docs' examples

async function main() {
  const region = (env.TIM_REGION ?? "cn") as Region;
  if (live && !regions.includes(region)) throw new Error(`TIM_REGION must be one of ${regions.join(", ")}`);
  if (live && !env.TIM_GROUP_ID) throw new Error("TIM_GROUP_ID (a topic-enabled Community group, @TGS#_…) is needed against the real service");
  const groupId = env.TIM_GROUP_ID ?? EXAMPLE_GROUP;
  const sdkAppId = live ? Number(env.TIM_SDKAPPID) : 1400000000;
  const identifier = live ? env.TIM_IDENTIFIER! : "administrator";
  const secretKey = live ? env.TIM_SECRET_KEY! : "demo-secret-key-for-the-emulator";
  const emulator = live ? undefined : createEmulator({ sdkAppId, secretKey, identifier });
  console.log(live ? `Calling Tencent IM (${region}) as ${identifier}` : "Calling the local IM emulator (tim-topics/testing; no account needed)");

  const im = createClient({
    sdkAppId,
    identifier,
    secretKey,
    ...(emulator ? { baseUrl: "https://emulator.test", fetch: emulator.fetch } : { region }),
    onRetry: (e) => console.log(`  retrying ${e.operation} after attempt ${e.attempt} in ${e.delayMs} ms: ${e.error.message}`),
  });
  const took = (meta: { attempts: number; durationMs: number }) => `(${meta.attempts} attempt${meta.attempts === 1 ? "" : "s"}, ${meta.durationMs} ms)`;

  const created = await im.createTopic({ GroupId: groupId, TopicName: "Demo topic 演示话题", Introduction: "Created by npm run demo" });
  console.log(`1. createTopic → ${created.TopicId} ${took(created.meta)}`);

  const modified = await im.modifyTopic({ GroupId: groupId, TopicId: created.TopicId, TopicName: "Renamed 已改名", MuteAllMember: "On" });
  console.log(`2. modifyTopic → renamed and muted ${took(modified.meta)}`);

  const got = await im.getTopic({ GroupId: groupId, From_Account: identifier, TopicIdList: [created.TopicId] });
  for (const topic of got.topics) {
    if (topic.ok) console.log(`3. getTopic → "${topic.TopicInfo.TopicName}", MuteAllMember ${topic.TopicInfo.MuteAllMember}, created ${topic.TopicInfo.CreateTime} ${took(got.meta)}`);
    else console.log(`3. getTopic → ${topic.TopicId}: ${topic.error.code} ${topic.error.meaning?.en ?? topic.error.info}`);
  }

  const destroyed = await im.destroyTopic({ GroupId: groupId, TopicIdList: [created.TopicId] });
  console.log(`4. destroyTopic → ${destroyed.topics.map((t) => `${t.TopicId} ${t.ok ? "destroyed" : `failed: ${t.error.code}`}`).join(", ")} ${took(destroyed.meta)}`);

  const after = await im.getTopic({ GroupId: groupId, From_Account: identifier, TopicIdList: [created.TopicId] });
  for (const topic of after.topics) if (!topic.ok) console.log(`   and getTopic now answers, for that topic: ${topic.error.code} ${topic.error.meaning?.en ?? topic.error.info}`);

  // A migration keeps the original creation time; with its own TopicId, a retried import cannot import twice.
  const imported = await im.importTopic({ GroupId: groupId, TopicId: `${groupId}@TOPIC#_demo-import`, TopicName: "Imported 导入", CreateTime: 1448357837 });
  console.log(`5. importTopic → ${imported.TopicId}, CreateTime 1448357837 kept ${took(imported.meta)}`);
  await im.destroyTopic({ GroupId: groupId, TopicIdList: [imported.TopicId] }); // leave nothing behind

  // Bad input never reaches the network: the SDK names the field and the limit.
  await im.createTopic({ GroupId: groupId, TopicName: "这个话题的名字超过了三十个字节" }).catch((error: unknown) => {
    if (!(error instanceof TimError)) throw error;
    console.log(`6. refused before sending → ${error.name}: ${error.message}`);
  });
  if (emulator) console.log(`The emulator answered ${emulator.calls.length} calls. Set TIM_SDKAPPID, TIM_SECRET_KEY, TIM_IDENTIFIER and TIM_GROUP_ID to call IM.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof TimError ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
