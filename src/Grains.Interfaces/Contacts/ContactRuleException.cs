namespace Cybernet.Grains.Interfaces.Contacts;

/// <summary>A contact action the rules do not allow (accepting a request that was never made, say); the message is fit for the user.</summary>
[GenerateSerializer, Alias("cybernet.contact-rule-exception")]
public sealed class ContactRuleException : Exception
{
    public ContactRuleException()
    {
    }

    public ContactRuleException(string message)
        : base(message)
    {
    }

    public ContactRuleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
