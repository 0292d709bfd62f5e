using System.Threading.RateLimiting;

namespace Cybernet.Web.Signaling;

/// <summary>
/// Bounds how fast one session may send signals: a token bucket per connection (ICE trickling sends bursts,
/// so the burst is generous; a flood is refused with a readable error and the connection stays up).
/// </summary>
public static class SignalRateLimiter
{
    public const int Burst = 200;
    public const int PerSecond = 100;

    private const string ItemKey = "cybernet.signal-bucket";

    public static bool TryTake(IDictionary<object, object?> connectionItems)
    {
        if (connectionItems[ItemKey] is not TokenBucketRateLimiter bucket)
        {
            bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = Burst,
                TokensPerPeriod = PerSecond / 10,
                ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
            connectionItems[ItemKey] = bucket;
        }

        using var lease = bucket.AttemptAcquire();
        return lease.IsAcquired;
    }

    public static void Release(IDictionary<object, object?> connectionItems)
    {
        if (connectionItems.TryGetValue(ItemKey, out var value) && value is IDisposable bucket)
        {
            bucket.Dispose();
        }
    }
}
