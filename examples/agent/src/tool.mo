// A second sample canister: the "tool" the agent consults (as an agent would an LLM or a search
// service), small and deterministic so tests can assert its answer. The agent reaches it with an
// inter-canister call (agent.mo, `reflect`).
import Nat "mo:core/Nat";
import Text "mo:core/Text";

persistent actor Tool {
  var summariesServed : Nat = 0;

  func wordCount(text : Text) : Nat {
    var words = 0;
    for (word in Text.split(text, #char ' ')) {
      if (word != "") words += 1;
    };
    words;
  };

  /// A one-line reflection on a list of memories: how many, how many words, the latest one.
  // An update, not a query: the count of summaries served is the tool's evidence that a call arrived.
  public func summarise(memories : [Text]) : async Text {
    summariesServed += 1;
    var words = 0;
    for (memory in memories.vals()) words += wordCount(memory);
    let count = memories.size();
    if (count == 0) return "no memories yet";
    Nat.toText(count) # (if (count == 1) " memory" else " memories") # ", " # Nat.toText(words) # " words; latest: \"" # memories[count - 1] # "\"";
  };

  public query func served() : async Nat {
    summariesServed;
  };
};
