using System.ComponentModel.DataAnnotations;

namespace Cybernet.Web.Digests;

/// <summary>How often the digest pass runs and how the shortest delay is measured.</summary>
public sealed class DigestOptions
{
    public const string SectionName = "Digests";

    /// <summary>Cron expression of the recurring pass (Hangfire's; six fields allow seconds). Every minute by default.</summary>
    [Required]
    public string Schedule { get; set; } = "* * * * *";

    /// <summary>The delay of the "15 minutes" choice. The run command shortens it so a newcomer sees a digest soon.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ShortDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many digests one pass sends at most; the next pass carries on.</summary>
    [Range(1, 1_000_000)]
    public int MaxPerPass { get; set; } = 20_000;

    /// <summary>
    /// A fault drill for tests: the pass ends its process right after the n-th email is sent and before it is
    /// recorded, as a crash there would. 0 (the default) never.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int CrashAfterSends { get; set; }
}
