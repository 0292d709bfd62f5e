using System.Security.Cryptography;
using System.Text;

namespace Cybernet.Web.Signaling;

/// <summary>
/// Short-lived TURN credentials in the TURN REST API form coturn checks with <c>use-auth-secret</c>:
/// username "expiry:userId", password base64(HMAC-SHA1(shared secret, username)). Nothing is stored; the
/// relay verifies them with the same secret and refuses them after the expiry.
/// </summary>
public static class TurnCredentials
{
    public static (string Username, string Credential) Create(string sharedSecret, Guid userId, DateTimeOffset expires)
    {
        var username = $"{expires.ToUnixTimeSeconds()}:{userId:N}";
        var credential = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(sharedSecret), Encoding.UTF8.GetBytes(username)));
        return (username, credential);
    }
}
