using System.ComponentModel.DataAnnotations;

namespace Cybernet.Web.Jobs;

/// <summary>How this node's job server runs.</summary>
public sealed class JobsOptions
{
    public const string SectionName = "Jobs";

    /// <summary>How often Hangfire looks for due recurring jobs (its default is 15 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);
}
