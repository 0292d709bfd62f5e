using System.ComponentModel.DataAnnotations;

namespace Cybernet.Web.Signaling;

/// <summary>The ICE servers browsers use to find a path to each other; TURN relays only where no direct path exists.</summary>
public sealed class IceOptions
{
    public const string SectionName = "Ice";

    public List<IceServer> Servers { get; set; } = [];

    /// <summary>"all", or "relay" to send everything through TURN (hides users' addresses from each other).</summary>
    [RegularExpression("^(all|relay)$")]
    public string TransportPolicy { get; set; } = "all";

    /// <summary>How long signed TURN credentials stay valid: minutes (coturn checks them only when a relay is allocated; clients fetch fresh ones for each attempt).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "2.00:00:00")]
    public TimeSpan TurnCredentialLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>One STUN or TURN server.</summary>
    public sealed class IceServer
    {
        [Required, MinLength(1)]
        public List<string> Urls { get; set; } = [];

        public string? Username { get; set; }

        public string? Credential { get; set; }

        /// <summary>For TURN with coturn's use-auth-secret: each user gets credentials signed with this, valid for a while.</summary>
        public string? SharedSecret { get; set; }
    }
}
