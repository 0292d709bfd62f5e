using Microsoft.AspNetCore.Identity;

namespace Cybernet.Web.Accounts;

/// <summary>An account. Its id is also the key of the user's grain.</summary>
public sealed class AppUser : IdentityUser<Guid>
{
    public const int MaxDisplayNameLength = 64;

    [PersonalData]
    public string DisplayName { get; set; } = "";
}
