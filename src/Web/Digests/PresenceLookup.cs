namespace Cybernet.Web.Digests;

/// <summary>Who among some users is online now (they see what waits in the app; no email needed).</summary>
public interface IPresenceLookup
{
    Task<IReadOnlySet<Guid>> OnlineAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken);
}

/// <summary>Asks each user's grain; a few at a time so a pass over thousands does not flood the silo.</summary>
public sealed class GrainPresenceLookup(IGrainFactory grains) : IPresenceLookup
{
    public async Task<IReadOnlySet<Guid>> OnlineAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        var online = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>();
        await Parallel.ForEachAsync(userIds, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (userId, _) =>
        {
            if ((await grains.User(userId).GetPresence()).State == PresenceState.Online)
            {
                online[userId] = true;
            }
        });
        return online.Keys.ToHashSet();
    }
}
