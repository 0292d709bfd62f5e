namespace Cybernet.Grains.Users;

/// <summary>
/// The copy of a user's pending offers that email digests are made of (notify.unseen_events, read by the web's
/// digest pass). The user's grain is its one writer.
/// </summary>
public interface IUnseenEventStore
{
    /// <summary>
    /// Makes the open unseen events of <paramref name="userId"/> match <paramref name="offers"/>: each one's count set
    /// (never added), any other open event closed. Doing it twice changes nothing more, so a failed write is simply done again.
    /// </summary>
    Task MatchAsync(Guid userId, IReadOnlyCollection<PendingOffer> offers, CancellationToken cancellationToken);
}
