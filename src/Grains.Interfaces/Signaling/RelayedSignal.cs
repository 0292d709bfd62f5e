namespace Cybernet.Grains.Interfaces.Signaling;

/// <summary>A WebRTC signal on its way from one session to a contact's sessions. The payload is opaque to the server.</summary>
/// <param name="ToSession">A connection of the recipient, or null for all of the recipient's sessions.</param>
[GenerateSerializer, Immutable, Alias("cybernet.relayed-signal")]
public sealed record RelayedSignal(
    [property: Id(0)] Guid FromUser,
    [property: Id(1)] string FromSession,
    [property: Id(2)] string? ToSession,
    [property: Id(3)] string Kind,
    [property: Id(4)] string Payload)
{
    // Never print the payload (SDP carries addresses), even where Orleans logs a message's arguments.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"FromUser = {FromUser}, FromSession = {FromSession}, ToSession = {ToSession}, Kind = {Kind}, Payload = <{Payload.Length} chars>");
        return true;
    }
}

/// <summary>What became of a signal.</summary>
public enum SignalOutcome
{
    Delivered = 0,
    RecipientOffline = 1,
    NotAContact = 2,

    /// <summary>The recipient blocked the sender: dropped, and shown to the sender as <see cref="RecipientOffline"/>.</summary>
    Withheld = 3,
}
