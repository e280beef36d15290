/**
 * The script of examples/browser.html: lists a group's topics from the browser.
 *
 * A browser must never hold the IM secret key: `createClient({ secretKey })` throws a TimConfigError here unless you
 * pass `dangerouslyAllowBrowser: true`. Instead the page asks the app's backend for a UserSig (`userSig` as a
 * function, called whenever the client needs one). The backend decides who may have one and signs it with
 * `genUserSig` from this same package. The page calls `baseUrl` cross-origin, so that origin must answer CORS
 * (the Prism mock does; for the real IM hosts, check first or route the call through your own backend).
 */
import { createClient, TimError } from "tim-topics";

const params = new URL(location.href).searchParams;
const output = document.getElementById("output");

const im = createClient({
  sdkAppId: Number(params.get("sdkAppId") ?? 1400000000),
  identifier: params.get("identifier") ?? "administrator",
  baseUrl: params.get("baseUrl") ?? "http://127.0.0.1:4010",
  userSig: async () => {
    const response = await fetch(params.get("sigUrl") ?? "/usersig", { credentials: "same-origin" });
    if (!response.ok) throw new Error(`the UserSig endpoint answered ${response.status}`);
    return response.text();
  },
});

try {
  const { topics } = await im.getTopic({
    GroupId: params.get("group") ?? "@TGS#_@TGS#cQVLVHIM62CJ",
    From_Account: params.get("user") ?? "1400187352",
  });
  output.textContent = topics
    .map((t) => (t.ok ? `${t.TopicId}  ${t.TopicInfo.TopicName}` : `error ${t.error.code}: ${t.error.info}`))
    .join("\n");
  document.documentElement.dataset.status = "ok";
} catch (error) {
  output.textContent = error instanceof TimError ? `${error.name}: ${error.message}` : String(error);
  document.documentElement.dataset.status = "error";
}
