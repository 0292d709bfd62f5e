using System.ComponentModel.DataAnnotations;

namespace Cybernet.Web.Hubs;

/// <summary>The ICE servers browsers use to find a path to each other; TURN relays only where no direct path exists.</summary>
public sealed class IceOptions
{
    public const string SectionName = "Ice";

    public List<IceServer> Servers { get; set; } = [];

    /// <summary>One STUN or TURN server.</summary>
    public sealed class IceServer
    {
        [Required, MinLength(1)]
        public List<string> Urls { get; set; } = [];

        public string? Username { get; set; }

        public string? Credential { get; set; }
    }
}
