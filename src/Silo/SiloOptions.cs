using System.ComponentModel.DataAnnotations;

namespace Cybernet.Silo;

/// <summary>Where this silo sits in the cluster and how it reaches PostgreSQL.</summary>
public sealed class SiloOptions
{
    public const string SectionName = "Silo";

    [Required]
    public string ClusterId { get; set; } = "cybernet";

    [Required]
    public string ServiceId { get; set; } = "cybernet";

    /// <summary>Address other silos and clients use to reach this one; empty means this host's own IPv4 address (containers).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
}
