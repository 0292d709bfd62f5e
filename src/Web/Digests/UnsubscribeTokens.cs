using System.Security.Cryptography;

using Microsoft.AspNetCore.DataProtection;

namespace Cybernet.Web.Digests;

/// <summary>
/// The token in a digest's unsubscribe link: the user id, authenticated and encrypted with the shared Data
/// Protection key ring, so it cannot be forged, and cannot be edited to name another user. It works without
/// signing in and does not expire (an old email's link should still work); using it twice changes nothing.
/// </summary>
public sealed class UnsubscribeTokens(IDataProtectionProvider protection)
{
    private readonly IDataProtector protector = protection.CreateProtector("cybernet.digests.unsubscribe.v1");

    public string Create(Guid userId) => protector.Protect(userId.ToString("N"));

    /// <summary>The user the token was made for, or null for anything forged, cut or garbled.</summary>
    public Guid? Read(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 1024)
        {
            return null;
        }

        try
        {
            return Guid.TryParseExact(protector.Unprotect(token), "N", out var userId) ? userId : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
