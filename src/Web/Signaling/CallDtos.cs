namespace Cybernet.Web.Signaling;

/// <summary>
/// A call as a browser sees it. Phases, outcomes and failures are kebab-case words ("not-available", "connection-lost").
/// <paramref name="ServerNow"/> lets a device count down the ring by the server's clock, not its own.
/// </summary>
public sealed record CallDto(
    Guid CallId,
    Guid Caller,
    Guid Callee,
    bool Video,
    string Phase,
    string? Outcome,
    string? Failure,
    string CallerSession,
    string? CalleeSession,
    DateTimeOffset StartedAt,
    DateTimeOffset RingUntil,
    DateTimeOffset? ConnectedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset ServerNow,
    Guid? EndedBy,
    Guid? MergedInto,
    long Version)
{
    public static CallDto From(CallUpdate c) => new(
        c.CallId, c.Caller, c.Callee, c.Video, Word(c.Phase),
        c.Outcome == CallOutcome.None ? null : Word(c.Outcome),
        c.Failure == CallFailure.None ? null : Word(c.Failure),
        c.CallerSession, c.CalleeSession, c.StartedAt, c.RingUntil, c.ConnectedAt, c.EndedAt, c.ServerNow, c.EndedBy, c.MergedInto, c.Version);

    /// <summary>NotAvailable → "not-available".</summary>
    public static string Word<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        var word = new System.Text.StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && word.Length > 0)
            {
                word.Append('-');
            }

            word.Append(char.ToLowerInvariant(c));
        }

        return word.ToString();
    }
}

/// <summary>A call signal as received by a browser (SDP or ICE of the other party).</summary>
public sealed record IncomingCallSignalDto(Guid CallId, Guid From, string FromSession, string Kind, string Payload)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"CallId = {CallId}, From = {From}, FromSession = {FromSession}, Kind = {Kind}, Payload = <{Payload.Length} chars>");
        return true;
    }
}

/// <summary>
/// A call signal as sent by a browser: SDP or ICE for the other device of the call; while it rings, the caller names the
/// ringing device it is for (<see cref="ToSession"/>).
/// </summary>
public sealed record CallSignalDto(Guid CallId, string? Kind, string? Payload, string? ToSession = null)
{
    // Never print the payload (SDP carries addresses), even where a debug log prints hub arguments.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"CallId = {CallId}, Kind = {Kind}, ToSession = {ToSession}, Payload = <{Payload?.Length ?? 0} chars>");
        return true;
    }
}

/// <summary>
/// What a device in a call whose media link is still up says of it when the server forgot the call (its silo died):
/// who called whom, with or without video, and when it connected. Checked against the two users' grains.
/// </summary>
public sealed record CallClaimDto(Guid CallId, Guid Caller, Guid Callee, bool Video, DateTimeOffset? ConnectedAt);
