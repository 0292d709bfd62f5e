using Microsoft.Extensions.Options;

namespace Cybernet.Web.Signaling;

/// <summary>The RTCPeerConnection configuration one user gets: this deployment's ICE servers, TURN with credentials signed for them.</summary>
public sealed class IceServers(IOptions<IceOptions> options, TimeProvider clock)
{
    public IceConfigDto For(Guid userId)
    {
        var ice = options.Value;
        var expires = clock.GetUtcNow() + ice.TurnCredentialLifetime;
        var servers = ice.Servers.Select(s =>
        {
            if (s.SharedSecret is { Length: > 0 } secret)
            {
                var (username, credential) = TurnCredentials.Create(secret, userId, expires);
                return new IceServerDto(s.Urls, username, credential);
            }

            return new IceServerDto(s.Urls, s.Username, s.Credential);
        });
        return new IceConfigDto([.. servers], ice.TransportPolicy);
    }
}
