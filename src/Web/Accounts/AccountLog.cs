namespace Cybernet.Web.Accounts;

/// <summary>Account events worth a log line. Never an address, a token or an email body.</summary>
internal static partial class AccountLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{UserName} was made an administrator (listed in Accounts:Administrators)")]
    public static partial void AdministratorGranted(ILogger logger, string userName);
}
