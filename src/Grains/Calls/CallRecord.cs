namespace Cybernet.Grains.Calls;

/// <summary>What a call grain keeps across restarts while the call lasts: who, which sessions, phase, times. Never content.</summary>
[GenerateSerializer, Alias("cybernet.call-record")]
public sealed class CallRecord
{
    [Id(0)]
    public Guid CallId { get; set; }

    [Id(1)]
    public Guid Caller { get; set; }

    [Id(2)]
    public string CallerSession { get; set; } = "";

    [Id(3)]
    public Guid Callee { get; set; }

    [Id(4)]
    public string? CalleeSession { get; set; }

    [Id(5)]
    public bool Video { get; set; }

    [Id(6)]
    public CallPhase Phase { get; set; }

    [Id(7)]
    public CallOutcome Outcome { get; set; }

    [Id(8)]
    public CallFailure Failure { get; set; }

    [Id(9)]
    public DateTimeOffset StartedAt { get; set; }

    [Id(10)]
    public DateTimeOffset RingUntil { get; set; }

    [Id(11)]
    public DateTimeOffset? ConnectedAt { get; set; }

    [Id(12)]
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>While connecting or reconnecting: when the call fails if the link is not up by then.</summary>
    [Id(13)]
    public DateTimeOffset? Deadline { get; set; }

    [Id(14)]
    public Guid? EndedBy { get; set; }

    [Id(15)]
    public Guid? MergedInto { get; set; }

    /// <summary>The callee's grain was reached (its devices rang, or it was busy or offline): it is told how the call ends.</summary>
    [Id(16)]
    public bool CalleeReached { get; set; }

    [Id(17)]
    public bool CallerLinkDown { get; set; }

    [Id(18)]
    public bool CalleeLinkDown { get; set; }

    /// <summary>Ended, and both users' grains were told: the grain may forget the call.</summary>
    [Id(19)]
    public bool Reported { get; set; }

    /// <summary>Counts the call's changes: each update carries it, so a device drops one older than what it has.</summary>
    [Id(20)]
    public long Version { get; set; }

    public bool Placed => CallId != Guid.Empty;
}
