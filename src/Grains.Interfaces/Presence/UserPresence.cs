namespace Cybernet.Grains.Interfaces.Presence;

/// <summary>A user's presence as shown to one contact: state, last seen (minute precision) and device count.</summary>
/// <param name="Version">Grows with every change, so a client can drop an update that arrives after a newer one.</param>
[GenerateSerializer, Immutable, Alias("cybernet.presence")]
public sealed record UserPresence(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] PresenceState State,
    [property: Id(2)] DateTimeOffset? LastSeen,
    [property: Id(3)] int Devices,
    [property: Id(4)] long Version)
{
    /// <summary>Offline with no last-seen time: what a blocked user is shown.</summary>
    public static UserPresence Hidden(Guid userId, long version) => new(userId, PresenceState.Offline, null, 0, version);
}
