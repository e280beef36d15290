/**
 * tim-topics in a Cloudflare Worker (workerd): `GET /topics` lists a group's topics, `POST /topics {"name": "…"}`
 * creates one. No `nodejs_compat` flag is needed: the SDK uses fetch and WebCrypto only.
 *
 *   wrangler.toml:  main = "examples/cloudflare-worker.mjs"   compatibility_date = "2025-01-01"
 *                   [vars] TIM_BASE_URL = "https://adminapisgp.im.qcloud.com"  TIM_SDKAPPID = "1400000000"
 *                          TIM_IDENTIFIER = "administrator"  TIM_GROUP_ID = "@TGS#_…"
 *   wrangler secret put TIM_SECRET_KEY
 *
 * For a local try, point TIM_BASE_URL at a Prism mock (`npx prism mock openapi/openapi.yaml` → http://127.0.0.1:4010).
 * The same `fetch(request, env)` handler also runs on Vercel's edge runtime (the runtime matrix checks both).
 */
import { createClient, TimApiError, TimValidationError } from "tim-topics";

export default {
  /** @param {Request} request @param {Record<string, string>} env */
  async fetch(request, env) {
    const im = createClient({
      sdkAppId: Number(env.TIM_SDKAPPID),
      identifier: env.TIM_IDENTIFIER,
      secretKey: env.TIM_SECRET_KEY,
      baseUrl: env.TIM_BASE_URL,
    });
    const GroupId = env.TIM_GROUP_ID;
    const url = new URL(request.url);
    if (url.pathname !== "/topics") return new Response("not found", { status: 404 });

    try {
      if (request.method === "POST") {
        const { name } = await request.json();
        const created = await im.createTopic({ GroupId, TopicName: String(name) });
        return Response.json({ topicId: created.TopicId, attempts: created.meta.attempts }, { status: 201 });
      }
      const { topics } = await im.getTopic({ GroupId, From_Account: url.searchParams.get("user") ?? env.TIM_IDENTIFIER });
      return Response.json(topics.map((t) => (t.ok ? { topicId: t.TopicId, name: t.TopicInfo.TopicName } : { error: t.error.code })));
    } catch (error) {
      if (error instanceof TimValidationError) return Response.json({ field: error.field, rule: error.rule }, { status: 400 });
      if (error instanceof TimApiError) return Response.json({ code: error.code, info: error.info }, { status: 502 });
      throw error;
    }
  },
};
