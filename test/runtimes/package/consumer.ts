/**
 * A consumer of the published package, type-checked by scripts/test-package.mjs inside a scratch project that
 * installed the `npm pack` tarball, under `moduleResolution` nodenext and bundler, with skipLibCheck off (so the
 * shipped .d.ts files are checked too). Not run: the runtime behaviour is the runtime matrix's job.
 */
import {
  createClient,
  genUserSig,
  verifyUserSig,
  TimError,
  TimApiError,
  TimValidationError,
  TimHttpError,
  TimNetworkError,
  TimTimeoutError,
  TimAbortError,
  TimConfigError,
} from "tim-topics";
import { createCallbackHandler, signCallback } from "tim-topics/callbacks";
import { createEmulator } from "tim-topics/testing";

export async function consumer(baseUrl: string, secretKey: string): Promise<string[]> {
  const im = createClient({ sdkAppId: 1400000000, identifier: "administrator", secretKey, baseUrl, maxRetries: 2, timeoutMs: 5000 });
  const browserIm = createClient({ sdkAppId: 1400000000, identifier: "administrator", userSig: async () => "sig", region: "sgp" });
  createClient({ sdkAppId: 1400000000, identifier: "administrator", userSig: "sig", region: "sgp", fetch: globalThis.fetch });

  const created = await im.createTopic(
    { GroupId: "@TGS#_@TGS#cQVLVHIM62CJ", TopicName: "TestTopic" },
    { headers: { Prefer: "example=basic" }, signal: AbortSignal.timeout(1000) },
  );
  const topicId: string = created.TopicId;
  const attempts: number = created.meta.attempts;

  const got = await browserIm.getTopic({ GroupId: "@TGS#_@TGS#cQVLVHIM62CJ", From_Account: "1400187352" });
  const names: string[] = [];
  for (const topic of got.topics) {
    if (topic.ok) {
      const id: string = topic.TopicId;
      names.push(id, String(topic.TopicInfo.TopicName));
    } else {
      const error: TimApiError = topic.error;
      names.push(String(error.code));
    }
  }

  // Exactly one credential (ClientOptions is a union; createClient also throws TimConfigError at run time):
  // @ts-expect-error both secretKey and userSig
  createClient({ sdkAppId: 1400000000, identifier: "administrator", secretKey, userSig: "sig" });
  // @ts-expect-error neither secretKey nor userSig
  createClient({ sdkAppId: 1400000000, identifier: "administrator" });

  // @ts-expect-error TopicName is required by create_topic
  await im.createTopic({ GroupId: "@TGS#_@TGS#cQVLVHIM62CJ" });
  // @ts-expect-error From_Account is required by get_topic
  await im.getTopic({ GroupId: "@TGS#_@TGS#cQVLVHIM62CJ" });

  // The rest of the lifecycle, typed from the spec.
  await im.modifyTopic({ GroupId: "@TGS#_@TGS#cQVLVHIM62CJ", TopicId: topicId, MuteAllMember: "On" });
  // @ts-expect-error MuteAllMember is "On" | "Off"
  await im.modifyTopic({ GroupId: "@TGS#_@TGS#cQVLVHIM62CJ", TopicId: topicId, MuteAllMember: "on" });
  const destroyed = await im.destroyTopic({ GroupId: "@TGS#_@TGS#cQVLVHIM62CJ", TopicIdList: [topicId] });
  for (const topic of destroyed.topics) names.push(topic.ok ? `${topic.TopicId} ${topic.alreadyApplied ?? false}` : String(topic.error.code));
  const imported: string = (await im.importTopic({ GroupId: "@TGS#_@TGS#cQVLVHIM62CJ", TopicName: "t", CreateTime: 1448357837 })).TopicId;
  names.push(imported);
  const emu = createEmulator({ sdkAppId: 1400000000, secretKey });
  const handler = createCallbackHandler({ sdkAppId: 1400000000, token: "t", on: { beforeCreateTopic: (body) => (body.Name === "x" ? { allow: false } : undefined) } });
  const callbackReply: Response = await handler(await signCallback({ token: "t", sdkAppId: 1400000000, command: "Group.CallbackBeforeCreateTopic", body: {} }));
  names.push(String(callbackReply.status), String(emu.calls.length));

  const sig: string = await genUserSig({ sdkAppId: 1400000000, secretKey, identifier: "administrator", expireSeconds: 86400 });
  const check = await verifyUserSig(sig, { sdkAppId: 1400000000, secretKey, identifier: "administrator" });
  if (!check.ok) names.push(String(check.reason));

  try {
    await im.getTopic({ GroupId: "@TGS#_x", From_Account: "1" });
  } catch (error) {
    if (error instanceof TimApiError) names.push(`${error.code} ${error.info} ${error.operation}`);
    if (error instanceof TimValidationError) names.push(`${error.field} ${error.rule}`);
    const family: TimError[] = [
      new TimError("x"),
      ...[error].filter((e): e is TimHttpError | TimNetworkError | TimTimeoutError | TimAbortError | TimConfigError =>
        e instanceof TimHttpError || e instanceof TimNetworkError || e instanceof TimTimeoutError || e instanceof TimAbortError || e instanceof TimConfigError),
    ];
    names.push(...family.map((e) => e.name));
  }
  return [topicId, String(attempts), ...names];
}
