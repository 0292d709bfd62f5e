using System.ComponentModel.DataAnnotations;

namespace Cybernet.Grains.Calls;

/// <summary>A call's deadlines, by the server's clock.</summary>
public sealed class CallOptions
{
    public const string SectionName = "Calls";

    /// <summary>How long a call rings before it is missed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RingTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>From the answer to a media connection; past it the call fails as never connected.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a lost connection (or a reloaded tab) may take to come back before the call ends as connection lost.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ReconnectWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The period of the reminder (stored in PostgreSQL) that wakes a call grain whose silo died, so deadlines still
    /// pass and endings are still reported. Its first tick is at the ring timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Backstop { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Tests only: the silo takes POST /test/calls/clock?seconds=N to move its call clock forward, so a test sees a ring
    /// time out without waiting a minute. Never set in production.
    /// </summary>
    public bool TestClock { get; set; }
}

/// <summary>The clock calls are timed by: the system's, which a test may move forward (or a test's own provider).</summary>
public sealed class CallClock(TimeProvider time)
{
    private long shiftTicks;

    public TimeProvider Time { get; } = time;

    public DateTimeOffset Now => Time.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref shiftTicks));

    /// <summary>Moves this clock forward (tests: see <see cref="CallOptions.TestClock"/>).</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref shiftTicks, by.Ticks);
}
