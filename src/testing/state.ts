/** @module state — the emulator's communities and topics, with every field IM keeps. */

/** A topic as the emulator keeps it: get_topic's `TopicInfo` fields, plus who made it. */
export interface TopicRecord {
  TopicId: string;
  TopicName: string;
  GroupID: string;
  FaceUrl?: string;
  Notification?: string;
  Introduction?: string;
  CustomString?: string;
  /** Unix seconds. */
  CreateTime: number;
  LastMsgTime: number;
  NextMsgSeq: number;
  MuteAllMember: "On" | "Off";
  /** The account that created (or imported) it. */
  Creator: string;
}

export interface GroupRecord {
  GroupId: string;
  /** Whether topics are enabled for this Community (11000 otherwise). */
  topics: boolean;
  /** Live topics, in creation order. */
  live: Map<string, TopicRecord>;
  /** IDs of topics destroyed in this group (a later get or destroy of one fails as "already destroyed"). */
  destroyed: Set<string>;
}

export interface Store {
  groups: Map<string, GroupRecord>;
  /** For IM-assigned topic IDs. */
  assigned: number;
}

export const newStore = (): Store => ({ groups: new Map(), assigned: 0 });

export function addGroup(store: Store, GroupId: string, topics = true): GroupRecord {
  const group: GroupRecord = { GroupId, topics, live: new Map(), destroyed: new Set() };
  store.groups.set(GroupId, group);
  return group;
}

/** What follows the GroupId in an IM-assigned topic ID (and a custom one must not contain). */
export const IM_ASSIGNED = "@TOPIC#_@TOPIC#";

/** An IM-assigned topic ID, in IM's form `GroupId@TOPIC#_@TOPIC#c…` (counted, so a test can predict it). */
export function assignTopicId(store: Store, GroupId: string): string {
  return `${GroupId}${IM_ASSIGNED}c${(++store.assigned).toString(36).toUpperCase().padStart(11, "0")}`;
}

/** A deep, frozen copy of the state, for a test to read. */
export function snapshot(store: Store): EmulatorState {
  const groups: Record<string, EmulatorGroup> = {};
  for (const [id, group] of store.groups) groups[id] = { topicsEnabled: group.topics, topics: [...group.live.values()].map((t) => ({ ...t })), destroyed: [...group.destroyed] };
  return frozen({ groups });
}

/** `value`, frozen all the way down (JSON-shaped data: what a test reads must not reach back into the emulator). */
export function frozen<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) frozen(inner);
  }
  return value;
}

export interface EmulatorGroup {
  readonly topicsEnabled: boolean;
  readonly topics: readonly Readonly<TopicRecord>[];
  readonly destroyed: readonly string[];
}
export interface EmulatorState {
  readonly groups: Readonly<Record<string, EmulatorGroup>>;
}
