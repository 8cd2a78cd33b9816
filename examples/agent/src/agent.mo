// A sample AI-agent canister: it remembers text "memories" and reports its health; it consults a
// second canister, its tool (tool.mo), with an inter-canister call, and keeps a timer.
// The build substitutes the {{...}} constants to produce v1, v2 and a deliberately broken build
// from this one source (see build.mjs).
import Array "mo:core/Array";
import Debug "mo:core/Debug";
import Error "mo:core/Error";
import List "mo:core/List";
import Nat "mo:core/Nat";
import Principal "mo:core/Principal";
import Runtime "mo:core/Runtime";
import Timer "mo:core/Timer";

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
  // Stable, so the tool survives upgrades and blue-green promotions (which copy the memory).
  var configuredTool : ?Principal = null;
  var timerFirings : Nat = 0;

  type ToolService = actor { summarise : shared [Text] -> async Text };

  func tick() : async () {
    timerFirings += 1;
  };
  // Motoko timers live in transient state: the IC drops them on upgrade. A transient field is
  // evaluated again on every install and upgrade, which starts the timer again each time.
  transient let _ticker = Timer.recurringTimer<system>(#seconds 2, tick);

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

  /// Names the canister the agent consults in `reflect`. Only a controller may change it.
  public shared ({ caller }) func setTool(tool : Principal) : async () {
    if (not Principal.isController(caller)) {
      throw Error.reject("only a controller of the agent may set its tool; " # Principal.toText(caller) # " is not one");
    };
    configuredTool := ?tool;
  };

  public query func tool() : async ?Principal {
    configuredTool;
  };

  /// Asks the tool to reflect on the memories (an inter-canister call) and returns its answer.
  public func reflect() : async Text {
    let toolId = switch (configuredTool) {
      case null throw Error.reject("the agent has no tool yet: a controller calls setTool(<tool canister id>) first");
      case (?toolId) toolId;
    };
    let toolService : ToolService = actor (Principal.toText(toolId));
    try {
      await toolService.summarise(List.toArray(memories));
    } catch (error) {
      throw Error.reject("the agent's tool " # Principal.toText(toolId) # " did not answer: " # Error.message(error));
    };
  };

  /// How many times the agent's recurring timer has fired (since it was first installed).
  public query func timerTicks() : async Nat {
    timerFirings;
  };
};
