/**
 * @module scenario — the one scenario every runtime of the matrix runs against the Prism mock.
 *
 * Plain ESM with no imports and web-standard APIs only (fetch, URL, TextEncoder), so Node, Deno, Bun, Chromium,
 * workerd and edge-runtime all load this very file. The SDK comes in as a module namespace (`import * as sdk from
 * "tim-topics"` in each runner), so the scenario runs against whatever the runner resolved: dist/ or a bundle of it.
 *
 * Every check runs even when an earlier one fails, so one runtime's gap (say, a missing DecompressionStream) shows up
 * as one failed check, not as a wall of follow-on failures.
 */

/**
 * Test values: the spec's examples, so Prism's static answers are known. This file imports nothing (every runtime loads
 * it as is), so these are copies: scripts/test-runtimes.mjs checks them against openapi/openapi.yaml before running.
 * The secret key is a dummy.
 */
export const fixture = {
  sdkAppId: 1400000000,
  identifier: "administrator",
  secretKey: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  groupId: "@TGS#_@TGS#cQVLVHIM62CJ",
  fromAccount: "1400187352",
  /** The TopicId of create_topic's first 200 example (`basic`). */
  createdTopicId: "@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_@TOPIC#cETE3HIM62CQ",
  /** The TopicId and TopicName in get_topic's first 200 example (`basic`). */
  listedTopicId: "@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_@TOPIC#cRTE3HIM62C5",
  listedTopicName: "TestTopicName",
  /**
   * A UserSig made by Tencent's Node signer (tls-sig-api-v2: zlib with real deflate, not stored blocks) for the
   * reference vector of ../shared/reference/tencent-im.md §1.4, so every runtime proves it can inflate official tokens.
   */
  officialUserSig: {
    token: "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMiUZOamKlkZmqOKplYUZBaBxE1NTY3gosWZ6UpWSj5ljuYp*p7l5unBxXnF2WVhVU4uAf7Ozi5JpX7O5SbuHuUhzgZJmQXaTia2SrUAohcx8g__",
    sdkAppId: 1400000000,
    identifier: "xiaojun",
    secretKey: "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
    now: 1700000001,
  },
  /** 10 CJK characters (3 UTF-8 bytes each) + 1 ASCII: 11 characters but 31 bytes, one over TopicName's 30-byte limit. */
  topicName31Bytes: "话题名称测试话题名称a",
  /** The TopicIds of destroy_topic's `basic` request (and its 200 answer). */
  destroyedTopicIds: ["@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic", "@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic_1"],
  /** The TopicId of import_topic's first 200 example (`basic`). */
  importedTopicId: "@TGS#_@TGS#cBZXAIIM62CV@TOPIC#_@TOPIC#cTCCCIIM62CW",
};

/** The UserSig alphabet (the spec's `usersig` pattern). */
const userSigPattern = /^[A-Za-z0-9*_-]+$/;

/**
 * Runs the scenario and never throws: returns every check with its outcome.
 * @param {any} sdk the `tim-topics` module namespace
 * @param {{ baseUrl: string, browser?: boolean, userSig?: () => string | Promise<string>, testing?: any }} options
 *   `testing`: the `tim-topics/testing` namespace, to run the lifecycle on the in-process emulator too.
 *   `browser`: also check the `dangerouslyAllowBrowser` guard, and (with `userSig`) use the browser pattern of a
 *   UserSig from a function (the app's backend) instead of a secret key.
 * @returns {Promise<{ ok: boolean, checks: Array<{ name: string, ok: boolean, ms: number, error?: string }> }>}
 */
export async function runScenario(sdk, { baseUrl, browser = false, userSig, testing } = {}) {
  const checks = [];
  const check = async (name, body) => {
    const started = Date.now();
    try {
      await body();
      checks.push({ name, ok: true, ms: Date.now() - started });
    } catch (error) {
      const detail = error && typeof error === "object" ? `${error.name ?? "Error"}: ${error.message}` : String(error);
      checks.push({ name, ok: false, ms: Date.now() - started, error: detail });
    }
  };
  const { sdkAppId, identifier, secretKey } = fixture;

  /** Every URL the client fetches, so a check can prove that no request was sent, or read the signed query. */
  const requests = [];
  const recordingFetch = (input, init) => {
    requests.push(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    return fetch(input, init);
  };
  const credentials = userSig ? { userSig } : { secretKey, ...(browser ? { dangerouslyAllowBrowser: true } : {}) };
  let im;

  await check("exports: createClient, genUserSig, verifyUserSig and the error classes", () => {
    for (const name of ["createClient", "genUserSig", "verifyUserSig"]) assert(typeof sdk[name] === "function", `${name} is ${typeof sdk[name]}`);
    const errorClasses = Object.keys(sdk).filter((name) => /^Tim\w*Error$/.test(name));
    assert(errorClasses.length >= 9, `only ${errorClasses.join(", ")}`);
    for (const name of errorClasses) {
      assert(typeof sdk[name] === "function", `${name} is ${typeof sdk[name]}`);
      assert(name === "TimError" || sdk[name].prototype instanceof sdk.TimError, `${name} does not extend TimError`);
    }
  });

  await check("genUserSig → verifyUserSig round trip (and rejects a wrong identifier / key)", async () => {
    const sig = await sdk.genUserSig({ sdkAppId, secretKey, identifier, expireSeconds: 86400 });
    assert(typeof sig === "string" && userSigPattern.test(sig), `not a UserSig: ${sig}`);
    const good = await sdk.verifyUserSig(sig, { sdkAppId, secretKey, identifier });
    assert(good?.ok === true, `verifyUserSig(own sig) = ${json(good)}`);
    const wrongUser = await sdk.verifyUserSig(sig, { sdkAppId, secretKey, identifier: "someone-else" });
    assert(wrongUser?.ok === false && typeof wrongUser.reason === "string", `wrong identifier accepted: ${json(wrongUser)}`);
    const wrongKey = await sdk.verifyUserSig(sig, { sdkAppId, secretKey: secretKey.replace(/^0/, "1"), identifier });
    assert(wrongKey?.ok === false && typeof wrongKey.reason === "string", `wrong secret key accepted: ${json(wrongKey)}`);
    const { token, ...official } = fixture.officialUserSig;
    const interop = await sdk.verifyUserSig(token, official);
    assert(interop?.ok === true && interop.expiresAt === 1700000000 + 15552000, `official (deflated) token: ${json(interop)}`);
  });

  if (browser) {
    await check("browser: createClient({ secretKey }) throws TimConfigError without dangerouslyAllowBrowser", () => {
      let thrown;
      try {
        sdk.createClient({ sdkAppId, identifier, secretKey, baseUrl });
      } catch (error) {
        thrown = error;
      }
      assert(thrown instanceof sdk.TimConfigError, `expected TimConfigError, got ${describe(thrown)}`);
      assert(thrown instanceof sdk.TimError, "TimConfigError is not a TimError");
    });
    await check("browser: createClient({ secretKey, dangerouslyAllowBrowser: true }) works (getTopic)", async () => {
      const risky = sdk.createClient({ sdkAppId, identifier, secretKey, baseUrl, dangerouslyAllowBrowser: true });
      const got = await risky.getTopic({ GroupId: fixture.groupId, From_Account: fixture.fromAccount });
      assert(got.topics?.[0]?.TopicId === fixture.listedTopicId, `topics = ${json(got.topics)}`);
    });
  }

  await check(`createClient({ ${userSig ? "userSig: () => Promise<string>" : "secretKey"}, baseUrl })`, () => {
    im = sdk.createClient({ sdkAppId, identifier, ...credentials, baseUrl, fetch: recordingFetch, timeoutMs: 10_000 });
    assert(typeof im?.createTopic === "function" && typeof im?.getTopic === "function", "no createTopic/getTopic");
  });

  await check("createTopic → TopicId (one signed request whose usersig verifies)", async () => {
    const before = requests.length;
    const created = await im.createTopic({ GroupId: fixture.groupId, TopicName: "TestTopic" });
    assert(created.TopicId === fixture.createdTopicId, `TopicId = ${json(created.TopicId)}`);
    assert(created.meta?.attempts === 1, `meta.attempts = ${json(created.meta?.attempts)}`);
    assert(requests.length === before + 1, `${requests.length - before} requests`);
    const query = new URL(requests[requests.length - 1]).searchParams;
    assert(query.get("sdkappid") === String(sdkAppId) && query.get("identifier") === identifier, `query = ${query}`);
    assert(query.get("contenttype") === "json", `contenttype = ${query.get("contenttype")}`);
    const sent = query.get("usersig") ?? "";
    const verdict = await sdk.verifyUserSig(sent, { sdkAppId, secretKey, identifier });
    assert(verdict?.ok === true, `the usersig sent does not verify: ${json(verdict)}`);
  });

  await check("getTopic → topics[0] is ok with TopicId and TopicInfo", async () => {
    const got = await im.getTopic({ GroupId: fixture.groupId, From_Account: fixture.fromAccount });
    assert(Array.isArray(got.topics) && got.topics.length === 1, `topics = ${json(got.topics)}`);
    const [topic] = got.topics;
    assert(topic.ok === true && topic.TopicId === fixture.listedTopicId, `topics[0] = ${json(topic)}`);
    assert(topic.TopicInfo?.TopicName === fixture.listedTopicName, `TopicInfo = ${json(topic.TopicInfo)}`);
  });

  await check("TopicName of 31 UTF-8 bytes → TimValidationError (field TopicName, rule maxBytes), no request sent", async () => {
    const before = requests.length;
    let thrown;
    try {
      await im.createTopic({ GroupId: fixture.groupId, TopicName: fixture.topicName31Bytes });
    } catch (error) {
      thrown = error;
    }
    assert(thrown instanceof sdk.TimValidationError, `expected TimValidationError, got ${describe(thrown)}`);
    assert(thrown instanceof sdk.TimError, "TimValidationError is not a TimError");
    assert(thrown.field === "TopicName" && thrown.rule === "maxBytes", `field = ${thrown.field}, rule = ${thrown.rule}`);
    assert(requests.length === before, `${requests.length - before} request(s) sent`);
  });

  await check("Prefer: example=error10010 → TimApiError code 10010 from createTopic", async () => {
    let thrown;
    try {
      await im.createTopic({ GroupId: fixture.groupId, TopicName: "TestTopic" }, { headers: { Prefer: "example=error10010" } });
    } catch (error) {
      thrown = error;
    }
    assert(thrown instanceof sdk.TimApiError, `expected TimApiError, got ${describe(thrown)}`);
    assert(thrown instanceof sdk.TimError, "TimApiError is not a TimError");
    assert(thrown.code === 10010 && thrown.operation === "createTopic", `code = ${thrown.code}, operation = ${thrown.operation}`);
    assert(typeof thrown.info === "string" && thrown.info.length > 0, `info = ${json(thrown.info)}`);
  });

  await check("the lifecycle on the mock: createTopic → modifyTopic → getTopic → destroyTopic → importTopic", async () => {
    for (const operation of sdk.operationIds) assert(typeof im[operation] === "function", `no method ${operation}`);
    const created = await im.createTopic({ GroupId: fixture.groupId, TopicName: "TestTopic" });
    assert(created.TopicId === fixture.createdTopicId, `created ${json(created.TopicId)}`);
    const modified = await im.modifyTopic({ GroupId: fixture.groupId, TopicId: created.TopicId, TopicName: "Renamed", MuteAllMember: "On" });
    assert(modified.response?.ErrorCode === 0 && modified.meta?.attempts === 1, `modify: ${json(modified.response)}`);
    const got = await im.getTopic({ GroupId: fixture.groupId, From_Account: fixture.fromAccount, TopicIdList: [fixture.listedTopicId] });
    assert(got.topics?.[0]?.ok === true, `get: ${json(got.topics)}`);
    const destroyed = await im.destroyTopic({ GroupId: fixture.groupId, TopicIdList: fixture.destroyedTopicIds });
    assert(json(destroyed.topics) === json(fixture.destroyedTopicIds.map((TopicId) => ({ ok: true, TopicId }))), `destroy: ${json(destroyed.topics)}`);
    const imported = await im.importTopic({ GroupId: "@TGS#_@TGS#cBZXAIIM62CV", TopicName: "test_topic3", CreateTime: 1448357837 });
    assert(imported.TopicId === fixture.importedTopicId, `import: ${json(imported.TopicId)}`);
  });

  if (testing) {
    await check("the lifecycle on the in-process emulator (tim-topics/testing): state kept across the five operations", async () => {
      const emu = testing.createEmulator({ sdkAppId, secretKey, identifier });
      const local = sdk.createClient({ sdkAppId, identifier, secretKey, ...(browser ? { dangerouslyAllowBrowser: true } : {}), baseUrl: "https://emulator.test", fetch: emu.fetch });
      const group = fixture.groupId;
      const { TopicId } = await local.createTopic({ GroupId: group, TopicName: "General" });
      assert(TopicId.startsWith(`${group}@TOPIC#_@TOPIC#`), `IM-assigned form: ${TopicId}`);
      await local.modifyTopic({ GroupId: group, TopicId, TopicName: "Renamed", MuteAllMember: "On" });
      const read = await local.getTopic({ GroupId: group, From_Account: identifier });
      const info = read.topics?.[0]?.TopicInfo;
      assert(read.topics.length === 1 && info?.TopicName === "Renamed" && info.MuteAllMember === "On", `get: ${json(read.topics)}`);
      const destroyed = await local.destroyTopic({ GroupId: group, TopicIdList: [TopicId] });
      assert(destroyed.topics?.[0]?.ok === true, `destroy: ${json(destroyed.topics)}`);
      const gone = await local.getTopic({ GroupId: group, From_Account: identifier, TopicIdList: [TopicId] });
      assert(gone.topics?.[0]?.ok === false && gone.topics[0].error?.code === 110003, `get after destroy: ${json(gone.topics)}`);
      const imported = await local.importTopic({ GroupId: group, TopicId: `${group}@TOPIC#_old`, TopicName: "Old", CreateTime: 1448357837 });
      const state = emu.state().groups[group];
      assert(imported.TopicId === `${group}@TOPIC#_old` && state?.topics?.[0]?.CreateTime === 1448357837, `import: ${json(state)}`);
      let refused;
      try {
        await local.createTopic({ GroupId: group, TopicId: `${group}@TOPIC#_old`, TopicName: "dup" });
      } catch (error) {
        refused = error;
      }
      assert(refused instanceof sdk.TimApiError && refused.code === 10025, `duplicate: ${describe(refused)}`);
    });
  }

  return { ok: checks.every((c) => c.ok), checks };
}

/** One line per check, for the runners that print. */
export function formatChecks(result) {
  return result.checks.map((c) => `${c.ok ? "  ✓" : "  ✗"} ${c.name} (${c.ms} ms)${c.ok ? "" : `\n      ${c.error}`}`).join("\n");
}

/** The marker line a process runner prints last, so the orchestrator can read the result from stdout. */
export const resultMarker = "##tim-topics-scenario ";

function assert(condition, message) {
  if (!condition) throw new Error(message);
}
function json(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
function describe(error) {
  if (error === undefined) return "no error";
  return error && typeof error === "object" ? `${error.name}: ${error.message}` : String(error);
}
