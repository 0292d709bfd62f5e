using System.ComponentModel.DataAnnotations;

namespace Cybernet.Grains.Users;

/// <summary>Session leases: a session that its web node stops renewing goes offline after <see cref="Lease"/>.</summary>
public sealed class PresenceOptions
{
    public const string SectionName = "Presence";

    /// <summary>How long a session stays registered without renewal. Web nodes renew at a third of it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a grain looks for expired sessions.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Sweep { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many sessions (tabs and devices) per user; the least recently renewed goes first.</summary>
    [Range(1, 1000)]
    public int MaxSessions { get; set; } = 32;
}
