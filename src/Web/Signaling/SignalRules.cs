namespace Cybernet.Web.Signaling;

/// <summary>The shape and size a signal must have before the hub relays it.</summary>
public static class SignalRules
{
    public const int MaxPayloadChars = 64 * 1024;

    /// <summary>SignalR's frame limit: a payload at the limit plus JSON framing fits; anything far larger is cut off by SignalR.</summary>
    public const int MaxFrameBytes = 256 * 1024;

    public const int MaxSessionIdLength = 64;

    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "offer", "answer", "candidate", "hello", "bye",
    };

    /// <summary>Null when the signal may go; otherwise what is wrong with it, in words for the sender.</summary>
    public static string? Problem(SignalDto? signal) => signal switch
    {
        null => "A signal is required.",
        { To: null } => "A signal needs a recipient (to).",
        { To: { } to } when to == Guid.Empty => "A signal needs a recipient (to).",
        { Kind: null } => "A signal needs a kind.",
        { Kind: { } kind } when !Kinds.Contains(kind) => $"Unknown signal kind; expected one of: {string.Join(", ", Kinds)}.",
        { Payload: null } => "A signal needs a payload.",
        { Payload.Length: > MaxPayloadChars } => $"Signal payload is too large: at most {MaxPayloadChars / 1024} KiB.",
        { ToSession.Length: > MaxSessionIdLength } => "The target session id is malformed.",
        _ => null,
    };
}
