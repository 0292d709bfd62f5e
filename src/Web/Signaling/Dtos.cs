using System.Text.Json.Serialization;

namespace Cybernet.Web.Signaling;

/// <summary>Presence as the browser sees it.</summary>
public sealed record PresenceDto(Guid UserId, string State, DateTimeOffset? LastSeen, int Devices, long Version)
{
    public static PresenceDto From(UserPresence p) =>
        new(p.UserId, p.State.ToString().ToLowerInvariant(), p.LastSeen, p.Devices, p.Version);
}

/// <summary>Someone on a list: a contact, a request, a blocked user.</summary>
public sealed record PersonDto(Guid UserId, string UserName, string DisplayName, DateTimeOffset Since);

/// <summary>
/// An accepted contact with presence (null while not yet known); or, with <paramref name="IsSelf"/>, my own account,
/// whose other signed-in devices are a target of their own.
/// </summary>
public sealed record ContactDto(Guid UserId, string UserName, string DisplayName, PresenceDto? Presence, bool IsSelf = false);

/// <summary>What a contact holds for me in their browser: kind and count, never content.</summary>
public sealed record PendingDto(Guid From, string Kind, int Count, DateTimeOffset Since, long Bytes);

/// <summary>The sidebar and the requests inbox in one answer; <paramref name="Self"/> is my own account.</summary>
public sealed record ContactListDto(
    ContactDto Self,
    IReadOnlyList<ContactDto> Contacts,
    IReadOnlyList<PersonDto> Incoming,
    IReadOnlyList<PersonDto> Outgoing,
    IReadOnlyList<PersonDto> Blocked,
    IReadOnlyList<PendingDto> Pending);

/// <summary>One ICE server as RTCPeerConnection takes it.</summary>
public sealed record IceServerDto(IReadOnlyList<string> Urls, string? Username, string? Credential);

/// <summary>The RTCPeerConnection configuration a session uses.</summary>
public sealed record IceConfigDto(IReadOnlyList<IceServerDto> Servers, string TransportPolicy);

/// <summary>A signal as sent by a browser: to a contact (or one of their sessions), of a known kind, with an opaque payload.</summary>
public sealed record SignalDto(Guid? To, string? ToSession, string? Kind, string? Payload)
{
    // Never print the payload (SDP carries addresses), even where a debug log prints hub arguments.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"To = {To}, ToSession = {ToSession}, Kind = {Kind}, Payload = <{Payload?.Length ?? 0} chars>");
        return true;
    }
}

/// <summary>A signal as received by a browser.</summary>
public sealed record IncomingSignalDto(Guid From, string FromSession, string Kind, string Payload)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"From = {From}, FromSession = {FromSession}, Kind = {Kind}, Payload = <{Payload.Length} chars>");
        return true;
    }
}

/// <summary>What happened to a signal.</summary>
public sealed record SignalResultDto([property: JsonConverter(typeof(JsonStringEnumConverter<SignalOutcome>))] SignalOutcome Outcome);
