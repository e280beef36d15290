/**
 * @module handlers — what each topic API does to the emulator's state, as IM documents it. This is the one
 * per-operation part of the emulator (test/emulator.test.ts fails for an operation of the spec without a handler).
 * Bodies arrive validated against the spec's rules; a handler answers the success fields or throws `ImFailure`.
 */
import type { CallbackCommand } from "../../generated/callbacks.js";
import { operations, type OperationId } from "../../generated/operations.js";
import { failure } from "./answers.js";
import { addGroup, assignTopicId, type GroupRecord, type Store, type TopicRecord } from "./state.js";


export interface HandlerContext {
  readonly store: Store;
  /** Unix seconds. */
  now(): number;
  /** The admin account calls are made as (the default operator and SelfInfo member). */
  readonly identifier: string;
  /** Topics a Community may hold (IM: 200). */
  readonly topicLimit: number;
  /**
   * The group; throws 11000 for one without topics, and 10010 for an unknown one, as IM does. Only a create or an
   * import may bring a group into being (`firstUse`): an unknown group it may create is `undefined`.
   */
  group(operation: OperationId, GroupId: string): GroupRecord;
  group(operation: OperationId, GroupId: string, firstUse: true): GroupRecord | undefined;
  /** A before-event callback: resolves to go ahead; throws the creator's failure (10016 or the app's code) on a veto. */
  before(command: CallbackCommand, body: Record<string, unknown>): Promise<void>;
  /** An after-event callback (its answer is ignored, as IM ignores it). */
  after(command: CallbackCommand, body: Record<string, unknown>): void;
}

type Body = Record<string, any>;
type Handler = (ctx: HandlerContext, body: Body) => Promise<Record<string, unknown>>;

// Field lists kept here (deriving them would ship the callback schemas in the entry); test/emulator.test.ts checks
// each against the spec's request rules and callback bodies.
/** The profile fields a create or import carries over onto the topic. */
export const PROFILE = ["FaceUrl", "Notification", "Introduction", "CustomString"] as const;
/** The fields whose change fires the info-changed callback (话题名称、简介、公告、头像 URL); MuteAllMember and CustomString do not. */
export const NOTIFIED = ["TopicName", "Introduction", "Notification", "FaceUrl"] as const;
/** The fields a modify may change. */
export const MODIFIABLE = [...NOTIFIED, "CustomString", "MuteAllMember"] as const;

/** The spec's codes, by their meaning (`x-duplicate-id-codes`, `x-already-applied-codes`). */
const ID_IN_USE = (operation: "createTopic" | "importTopic") => operations[operation].duplicateIdCodes[0];
const ALREADY_DESTROYED = operations.destroyTopic.alreadyAppliedCodes[0];

/** Whether a new topic may go into the group (its ID free, the Community under its topic limit); creates nothing. */
function admit(ctx: HandlerContext, operation: "createTopic" | "importTopic", body: Body): void {
  const group = ctx.group(operation, body.GroupId, true);
  if (!group) return; // created by this call: empty
  if (typeof body.TopicId === "string" && group.live.has(body.TopicId)) throw failure(operation, ID_IN_USE(operation), body.TopicId);
  if (group.live.size >= ctx.topicLimit) throw failure(operation, 10037, `a Community holds at most ${ctx.topicLimit} topics`);
}

/** Admits the topic (again: state may have changed while a callback answered) and stores it, creating the group. */
function place(ctx: HandlerContext, operation: "createTopic" | "importTopic", body: Body, createTime: number): TopicRecord {
  admit(ctx, operation, body);
  const group = ctx.group(operation, body.GroupId, true) ?? addGroup(ctx.store, body.GroupId);
  const topic: TopicRecord = {
    TopicId: body.TopicId ?? assignTopicId(ctx.store, body.GroupId),
    TopicName: body.TopicName,
    GroupID: body.GroupId,
    CreateTime: createTime,
    LastMsgTime: 0,
    NextMsgSeq: 1,
    MuteAllMember: "Off",
    Creator: body.From_Account ?? ctx.identifier,
  };
  for (const field of PROFILE) if (body[field] !== undefined) topic[field] = body[field];
  group.live.set(topic.TopicId, topic);
  group.destroyed.delete(topic.TopicId);
  return topic;
}

/** get_topic's TopicInfo of a topic, cut to `filter` (TopicId and GroupID always come back). */
function topicInfo(topic: TopicRecord, filter: readonly string[] | undefined): Record<string, unknown> {
  const { Creator: _creator, ...info } = topic;
  if (!filter) return info;
  const kept: Record<string, unknown> = { TopicId: topic.TopicId, GroupID: topic.GroupID };
  for (const field of filter) if (field in info) kept[field] = info[field as keyof typeof info];
  return kept;
}

export const handlers: { readonly [K in OperationId]: Handler } = {
  async createTopic(ctx, body) {
    admit(ctx, "createTopic", body);
    const operator = body.From_Account ?? ctx.identifier;
    // A veto leaves no trace: not even the group a first use would have created.
    await ctx.before("Group.CallbackBeforeCreateTopic", { Operator_Account: operator, Type: "Community", Name: body.TopicName, GroupId: body.GroupId });
    const topic = place(ctx, "createTopic", body, ctx.now());
    ctx.after("Group.CallbackAfterCreateTopic", {
      GroupId: body.GroupId,
      TopicId: topic.TopicId,
      Operator_Account: operator,
      Owner_Account: ctx.identifier,
      Type: "Community",
      Name: topic.TopicName,
    });
    return { TopicId: topic.TopicId };
  },

  async importTopic(ctx, body) {
    // Imports trigger no callback (不会触发回调) and keep the given creation time.
    const topic = place(ctx, "importTopic", body, body.CreateTime ?? ctx.now());
    return { TopicId: topic.TopicId };
  },

  async getTopic(ctx, body) {
    const group = ctx.group("getTopic", body.GroupId);
    // No list, or an empty one, reads every topic (tencent-im.md §3: "TopicIdList … (empty = all topics)"; the doc's
    // 若不填 "if not given" does not say more).
    const ids: string[] = body.TopicIdList?.length ? body.TopicIdList : [...group.live.keys()];
    return {
      TopicAndSelfInfo: ids.map((id) => {
        const topic = group.live.get(id);
        if (!topic) {
          const { code, info } = failure("getTopic", group.destroyed.has(id) ? ALREADY_DESTROYED : 10010, id);
          return { ErrorCode: code, ErrorInfo: info, TopicInfo: { TopicId: id } };
        }
        return {
          ErrorCode: 0,
          ErrorInfo: "",
          TopicInfo: topicInfo(topic, body.ResponseFilter),
          SelfInfo: { ShutUpTime: 0, MsgSeq: 0, MsgFlag: "AcceptAndNotify" },
        };
      }),
    };
  },

  async modifyTopic(ctx, body) {
    const group = ctx.group("modifyTopic", body.GroupId);
    const topic = group.live.get(body.TopicId);
    if (!topic) throw failure("modifyTopic", 10010, body.TopicId);
    const changed: Record<string, unknown> = {};
    for (const field of MODIFIABLE) {
      if (body[field] === undefined) continue;
      if (topic[field] !== body[field] && (NOTIFIED as readonly string[]).includes(field)) changed[field === "TopicName" ? "Name" : field] = body[field];
      (topic as unknown as Record<string, unknown>)[field] = body[field];
    }
    if (Object.keys(changed).length) {
      ctx.after("Group.CallbackAfterTopicInfoChanged", {
        GroupId: body.GroupId,
        TopicId: body.TopicId,
        Type: "Community",
        Operator_Account: body.From_Account ?? ctx.identifier,
        ...changed,
      });
    }
    return {};
  },

  async destroyTopic(ctx, body) {
    const group = ctx.group("destroyTopic", body.GroupId);
    const destroyed: string[] = [];
    const items = (body.TopicIdList as string[]).map((id) => {
      if (group.live.delete(id)) {
        group.destroyed.add(id);
        destroyed.push(id);
        return { ErrorCode: 0, ErrorInfo: "ok", TopicId: id };
      }
      // A topic destroyed before answers "already destroyed"; one that never existed, "destroy failed".
      const { code, info } = failure("destroyTopic", group.destroyed.has(id) ? ALREADY_DESTROYED : 110002, id);
      return { ErrorCode: code, ErrorInfo: info, TopicId: id };
    });
    if (destroyed.length) ctx.after("Group.CallbackAfterTopicDestroyed", { GroupId: body.GroupId, Type: "Community", TopicIdList: destroyed });
    return { DestroyResultItem: items };
  },
};
