using System.ComponentModel.DataAnnotations;

namespace Cybernet.Web.Infrastructure;

/// <summary>Which Orleans cluster this web node joins as a client.</summary>
public sealed class ClusterClientOptions
{
    public const string SectionName = "Cluster";

    [Required]
    public string ClusterId { get; set; } = "cybernet";

    [Required]
    public string ServiceId { get; set; } = "cybernet";
}
