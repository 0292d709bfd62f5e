namespace Cybernet.Grains.Tests;

/// <summary>Plays a live web node: renews sessions' leases at a third of their length until disposed.</summary>
public sealed class Renewer : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public Renewer(Func<Task> renew)
    {
        loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(ClusterFixture.Lease / 3);
            while (await timer.WaitForNextTickAsync(stop.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result))
            {
                await renew();
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
