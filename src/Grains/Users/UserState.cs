namespace Cybernet.Grains.Users;

/// <summary>What a user's grain keeps across restarts: relationships and last seen. Never content.</summary>
[GenerateSerializer, Alias("cybernet.user-state")]
public sealed class UserState
{
    [Id(0)]
    public Dictionary<Guid, Contact> Contacts { get; set; } = [];

    [Id(1)]
    public HashSet<Guid> Blocked { get; set; } = [];

    [Id(2)]
    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>What contacts hold for this user, keyed by <see cref="PendingOfferBook.Key"/>.</summary>
    [Id(3)]
    public Dictionary<string, PendingOffer> PendingOffers { get; set; } = [];

    /// <summary>
    /// Set with every change to <see cref="PendingOffers"/> and saved with it; cleared once the unseen events match them.
    /// Found set on activation, the grain writes them again (see UserGrain.Offers.cs).
    /// </summary>
    [Id(4)]
    public bool UnseenEventsBehind { get; set; }

    // Id 5 held the call this user was in; that lives in memory now (its call's grain owns it), and is skipped on read.

    /// <summary>The ids of the latest missed calls counted, so an ending reported twice counts once (oldest first, a few dozen).</summary>
    [Id(6)]
    public List<Guid> MissedCalls { get; set; } = [];
}
