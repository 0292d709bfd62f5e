using System.Threading.RateLimiting;

namespace Cybernet.Web.Signaling;

/// <summary>What a call act must look like before the hub passes it to the call's grain, and how often one may call.</summary>
public static class CallRules
{
    /// <summary>Call attempts per caller: a few at once, then one every <see cref="RefillEvery"/>.</summary>
    public const int Burst = 5;

    public static readonly TimeSpan RefillEvery = TimeSpan.FromSeconds(6);

    public static readonly IReadOnlySet<string> SignalKinds = new HashSet<string>(StringComparer.Ordinal) { "hello", "offer", "answer", "candidate" };

    /// <summary>The longest session id a signal may name (SignalR connection ids are 22 characters).</summary>
    public const int MaxSessionChars = 64;

    public static readonly IReadOnlyDictionary<string, CallFailure> Failures = new Dictionary<string, CallFailure>(StringComparer.Ordinal)
    {
        ["never-connected"] = CallFailure.NeverConnected,
        ["connection-lost"] = CallFailure.ConnectionLost,
        ["media-refused"] = CallFailure.MediaRefused,
    };

    // Per caller on this node; a token bucket each, as the signal limiter's.
    private static readonly PartitionedRateLimiter<Guid> Attempts = PartitionedRateLimiter.Create<Guid, Guid>(caller =>
        RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = RefillEvery,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public static bool TryAttempt(Guid caller)
    {
        using var lease = Attempts.AttemptAcquire(caller);
        return lease.IsAcquired;
    }

    /// <summary>Null when the signal may go; otherwise what is wrong with it.</summary>
    public static string? SignalProblem(string? kind, string? payload, string? toSession = null) => (kind, payload) switch
    {
        _ when toSession is { Length: > MaxSessionChars } => "A call signal names a device by its session id, which is not that long.",
        (null, _) => "A call signal needs a kind.",
        ({ } k, _) when !SignalKinds.Contains(k) => $"Unknown call signal kind; expected one of: {string.Join(", ", SignalKinds)}.",
        (_, null) => "A call signal needs a payload.",
        (_, { Length: > SignalRules.MaxPayloadChars }) => $"Call signal payload is too large: at most {SignalRules.MaxPayloadChars / 1024} KiB.",
        _ => null,
    };
}
