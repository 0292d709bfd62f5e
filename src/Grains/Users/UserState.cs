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

    /// <summary>The call this user is in (placing, ringing, or under way), as its call grain last told; null when none.</summary>
    [Id(5)]
    public CallUpdate? Call { get; set; }
}
