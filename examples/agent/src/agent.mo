// A sample AI-agent canister: it remembers text "memories" and reports its health.
// The build substitutes the {{...}} constants to produce v1, v2 and a deliberately broken build
// from this one source (see build.mjs).
import Array "mo:core/Array";
import Debug "mo:core/Debug";
import List "mo:core/List";
import Nat "mo:core/Nat";
import Runtime "mo:core/Runtime";

persistent actor Agent {
  // Transient: each build's constants must win over the values of the build it upgrades from.
  transient let agentVersion : Text = "{{VERSION}}";
  transient let recallNewestFirst : Bool = {{RECALL_NEWEST_FIRST}};
  transient let reportsHealthy : Bool = {{REPORTS_HEALTHY}};
  // A build whose state migration fails on an agent that already remembers something.
  transient let migrationTrapsOnMemories : Bool = {{MIGRATION_TRAPS_ON_MEMORIES}};

  // Stable (enhanced orthogonal persistence): these survive upgrades.
  let memories = List.empty<Text>();
  var updateCalls : Nat = 0;
  var upgrades : Nat = 0;

  system func postupgrade() {
    if (migrationTrapsOnMemories and List.size(memories) > 0) {
      Runtime.trap("agent " # agentVersion # " cannot migrate " # Nat.toText(List.size(memories)) # " existing memories");
    };
    upgrades += 1;
  };

  /// Stores a memory and returns how many the agent holds.
  public func remember(memory : Text) : async Nat {
    updateCalls += 1;
    List.add(memories, memory);
    // A line in the canister log, so operators see the agent at work (`soulrecall logs`).
    Debug.print("agent " # agentVersion # " remembered memory #" # Nat.toText(List.size(memories)));
    List.size(memories);
  };

  /// All memories, oldest first (v1) or newest first (v2 and later).
  public query func recall() : async [Text] {
    let all = List.toArray(memories);
    if (recallNewestFirst) Array.reverse(all) else all;
  };

  public query func memoryCount() : async Nat {
    List.size(memories);
  };

  public query func health() : async { #ok : Text; #err : Text } {
    if (reportsHealthy) {
      #ok("agent " # agentVersion # " is healthy with " # Nat.toText(List.size(memories)) # " memories");
    } else {
      #err("agent " # agentVersion # " is unhealthy: this build is broken on purpose");
    };
  };

  public query func version() : async Text {
    agentVersion;
  };

  public query func stats() : async { calls : Nat; upgrades : Nat } {
    { calls = updateCalls; upgrades };
  };
};
