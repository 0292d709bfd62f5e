
using Microsoft.Extensions.Options;

namespace Cybernet.Web.Presence;

/// <summary>
/// The sessions (SignalR connections) this node holds, per user. Registers them with each user's grain
/// through this node's one observer and renews their leases, so a node that dies takes its sessions offline.
/// </summary>
public sealed partial class SessionRegistry(
    IGrainFactory grains,
    SessionObserver observer,
    IOptions<PresenceClientOptions> options,
    ILogger<SessionRegistry> logger) : BackgroundService
{
    // One lock for the whole map: connect and disconnect of the same user must not interleave (a set emptied and
    // dropped by one must never receive the other's connection, or that session would stop being renewed).
    private readonly Dictionary<Guid, HashSet<string>> sessionsByUser = [];
    private readonly Lock gate = new();
    private ISessionObserver? reference;

    /// <summary>The address grains push to; created once per node and kept alive by this registry.</summary>
    private ISessionObserver Reference => reference ??= grains.CreateObjectReference<ISessionObserver>(observer);

    public async Task<ContactBook> ConnectAsync(Guid userId, string connectionId, bool active)
    {
        lock (gate)
        {
            if (!sessionsByUser.TryGetValue(userId, out var set))
            {
                sessionsByUser[userId] = set = [];
            }

            set.Add(connectionId);
        }

        return await grains.User(userId).Connect(connectionId, Reference, active);
    }

    public async Task DisconnectAsync(Guid userId, string connectionId)
    {
        lock (gate)
        {
            if (sessionsByUser.TryGetValue(userId, out var set) && set.Remove(connectionId) && set.Count == 0)
            {
                sessionsByUser.Remove(userId);
            }
        }

        await grains.User(userId).Disconnect(connectionId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RenewEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RenewAllAsync(stoppingToken);
        }
    }

    private async Task RenewAllAsync(CancellationToken cancellationToken)
    {
        List<(Guid UserId, ImmutableArray<string> Ids)> batch;
        lock (gate)
        {
            batch = [.. sessionsByUser.Select(e => (e.Key, e.Value.ToImmutableArray()))];
        }

        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (entry, _) =>
        {
            try
            {
                await grains.User(entry.UserId).Renew(Reference, entry.Ids);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next round tries again, well before the lease runs out.
                LogRenewFailed(ex, entry.UserId);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the sessions of user {UserId} failed")]
    private partial void LogRenewFailed(Exception exception, Guid userId);
}
