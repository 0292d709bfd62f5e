using System.Text.RegularExpressions;

namespace Cybernet.Web.Accounts;

/// <summary>What a username may look like: what people type to find each other.</summary>
public static partial class UserNameRules
{
    public const string AllowedCharacters = "abcdefghijklmnopqrstuvwxyz0123456789._-";
    public const int MinLength = 3;
    public const int MaxLength = 32;

    public static string Normalize(string input) => input.Trim().TrimStart('@').ToLowerInvariant();

    public static bool IsValid(string userName) =>
        userName.Length is >= MinLength and <= MaxLength && Shape().IsMatch(userName);

    public const string Description = "3–32 characters: lowercase letters, digits, dots, dashes or underscores.";

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex Shape();
}
