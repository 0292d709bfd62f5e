using System.ComponentModel.DataAnnotations;

namespace Cybernet.Web.Presence;

/// <summary>How often this node renews the leases of the sessions it holds. Must be well under the silo's lease.</summary>
public sealed class PresenceClientOptions
{
    public const string SectionName = "Presence";

    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan RenewEvery { get; set; } = TimeSpan.FromSeconds(10);
}
